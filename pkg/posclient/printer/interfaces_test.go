package printer_test

import (
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/printer"
)

// The POS client's interfaces, checked here so that neither side drifts.
var (
	_ posclient.Printer     = (*printer.Printer)(nil)
	_ posclient.Printer     = (*printer.Group)(nil)
	_ posclient.ReceiptSink = (*printer.FileSink)(nil)
	_ printer.ReceiptSink   = posclient.ReceiptSink(nil)
)

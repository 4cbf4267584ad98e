package receipt

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// align is where a laid-out line sits across the paper.
type align uint8

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// size is the character magnification of a line.
type size uint8

const (
	sizeNormal size = iota // 1×1
	sizeTall               // 1 wide, 2 high: the amount
	sizeDouble             // 2×2: the transaction type
)

// widthFactor is the horizontal magnification of a size.
func (s size) widthFactor() int {
	if s == sizeDouble {
		return 2
	}
	return 1
}

// item is one element of a laid-out receipt: a line of text or a QR code.
type item struct {
	text  string // a line of text, already padded to the column count when align is left
	align align
	bold  bool
	size  size
	qr    string // when not empty, this item is a QR code holding qr instead of text
}

// labels are the printed words of one language.
type labels struct {
	merchantCopy, customerCopy   string
	duplicate                    string
	merchantID, terminalID, card string
	sale, refund, void           string
	reprint, interrupted         string
	preAuth, preAuthCancel       string
	completion                   string
	dateTime, batch, stan, rrn   string
	authCode, reference, origRRN string
	amount, eReceipt             string
	declined, respCode           string
}

var labelSets = [...]labels{
	English: {
		merchantCopy: "MERCHANT COPY", customerCopy: "CUSTOMER COPY", duplicate: "DUPLICATE",
		reprint: "REPRINT", interrupted: InterruptedMark,
		merchantID: "MERCHANT ID", terminalID: "TERMINAL ID", card: "CARD NO",
		sale: "SALE", refund: "REFUND", void: "VOID",
		preAuth: "PRE-AUTH", preAuthCancel: "PRE-AUTH CANCEL", completion: "PRE-AUTH COMPLETE",
		dateTime: "DATE/TIME", batch: "BATCH NO", stan: "TRACE NO", rrn: "REF NO",
		authCode: "AUTH CODE", reference: "REFERENCE", origRRN: "ORIG REF NO",
		amount: "AMOUNT", eReceipt: "SCAN FOR E-RECEIPT",
		declined: "DECLINED", respCode: "RESPONSE CODE",
	},
	Chinese: {
		merchantCopy: "商户存根", customerCopy: "持卡人存根", duplicate: "DUPLICATE / 重印",
		reprint: "REPRINT / 补打 (打印中断)", interrupted: InterruptedMark,
		merchantID: "商户编号", terminalID: "终端编号", card: "卡号",
		sale: "消费", refund: "退货", void: "撤销",
		preAuth: "预授权", preAuthCancel: "预授权撤销", completion: "预授权完成",
		dateTime: "日期/时间", batch: "批次号", stan: "凭证号", rrn: "参考号",
		authCode: "授权码", reference: "交易编号", origRRN: "原参考号",
		amount: "金额", eReceipt: "扫码获取电子凭条",
		declined: "交易失败 DECLINED", respCode: "应答码",
	},
}

// timeLayout is how the transaction time is printed.
const timeLayout = "2006-01-02 15:04:05"

// cells is the number of character cells s takes on the paper: one per
// ASCII character, two per double-byte (CJK mode) character.
func cells(s string) int {
	n := 0
	for _, r := range s {
		if r < utf8.RuneSelf {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// wrap splits s into pieces of at most width cells, breaking after spaces
// where it can and inside words where it must.
func wrap(s string, width int) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var out []string
	for s != "" {
		if cells(s) <= width {
			out = append(out, s)
			break
		}
		// Find the longest prefix that fits, and the last space in it.
		n, cut, space := 0, 0, -1
		for i, r := range s {
			w := 1
			if r >= utf8.RuneSelf {
				w = 2
			}
			if n+w > width {
				break
			}
			n += w
			cut = i + utf8.RuneLen(r)
			if r == ' ' {
				space = i
			}
		}
		if cut == 0 { // a double-width rune in a one-cell column: take it anyway
			_, sz := utf8.DecodeRuneInString(s)
			cut = sz
		}
		if space > 0 {
			out = append(out, strings.TrimRight(s[:space], " "))
			s = strings.TrimLeft(s[space:], " ")
		} else {
			out = append(out, s[:cut])
			s = strings.TrimLeft(s[cut:], " ")
		}
	}
	return out
}

// layout turns a validated receipt into the items to print on a roll with
// the given number of Font A columns.
func layout(r *Receipt, columns int) []item {
	l := &labelSets[r.Language]
	var items []item
	center := func(s string, bold bool, sz size) {
		for _, piece := range wrap(s, columns/sz.widthFactor()) {
			items = append(items, item{text: piece, align: alignCenter, bold: bold, size: sz})
		}
	}
	rule := func() { items = append(items, item{text: strings.Repeat("-", columns)}) }
	field := func(label, value string, bold bool, sz size) {
		if value == "" {
			return
		}
		if gap := columns - cells(label) - cells(value); gap >= 1 {
			items = append(items, item{text: label + strings.Repeat(" ", gap) + value, bold: bold, size: sz})
			return
		}
		items = append(items, item{text: label, bold: bold, size: sz})
		for _, piece := range wrap(value, columns) {
			items = append(items, item{text: strings.Repeat(" ", columns-cells(piece)) + piece, bold: bold, size: sz})
		}
	}

	center(r.MerchantName, true, sizeNormal)
	for _, a := range r.MerchantAddress {
		center(a, false, sizeNormal)
	}
	if r.Copy == MerchantCopy {
		center(l.merchantCopy, false, sizeNormal)
	} else {
		center(l.customerCopy, false, sizeNormal)
	}
	if r.Reprint > 0 {
		center("** "+l.duplicate+" #"+strconv.Itoa(r.Reprint)+" **", true, sizeNormal)
	} else if r.Interrupted {
		center("** "+l.reprint+" **", true, sizeNormal)
		center(l.interrupted, false, sizeNormal)
	}
	rule()
	field(l.merchantID, r.MerchantID, false, sizeNormal)
	field(l.terminalID, r.TerminalID, false, sizeNormal)
	field(l.card, r.PAN.String(), false, sizeNormal)
	switch r.Type {
	case Sale:
		center(l.sale, true, sizeDouble)
	case Refund:
		center(l.refund, true, sizeDouble)
	case Void:
		center(l.void, true, sizeDouble)
	case PreAuth:
		center(l.preAuth, true, sizeDouble)
	case PreAuthCancel:
		center(l.preAuthCancel, true, sizeDouble)
	case Completion:
		center(l.completion, true, sizeDouble)
	}
	if r.Declined != "" {
		center("** "+l.declined+" **", true, sizeNormal)
		field(l.respCode, r.Declined, true, sizeNormal)
	}
	field(l.dateTime, r.Time.Format(timeLayout), false, sizeNormal)
	field(l.batch, r.Batch, false, sizeNormal)
	field(l.stan, r.STAN, false, sizeNormal)
	field(l.rrn, r.RRN, false, sizeNormal)
	field(l.authCode, r.AuthCode, false, sizeNormal)
	field(l.reference, r.Reference, false, sizeNormal)
	field(l.origRRN, r.OriginalRRN, false, sizeNormal)
	amount := r.Amount
	if r.Type != Sale && r.Type != PreAuth && r.Type != Completion {
		amount.Minor = -amount.Minor // money back, or a hold released
	}
	field(l.amount, amount.String(), true, sizeTall)
	rule()
	if r.EReceiptURL != "" {
		items = append(items, item{qr: r.EReceiptURL, align: alignCenter})
		center(l.eReceipt, false, sizeNormal)
	}
	return items
}

// needsDoubleByte reports whether any printed text is outside ASCII, so
// that the job must switch the printer to double-byte (GB18030) mode.
func needsDoubleByte(items []item) bool {
	for _, it := range items {
		for i := 0; i < len(it.text); i++ {
			if it.text[i] >= utf8.RuneSelf {
				return true
			}
		}
	}
	return false
}

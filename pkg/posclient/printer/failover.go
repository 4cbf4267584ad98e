package printer

import (
	"context"
	"errors"
	"log/slog"
)

// Device is what the POS client needs of a receipt printer: readiness,
// status and verified printing. *Printer and *Group implement it, and so
// can a vendor's own driver.
type Device interface {
	// Status reads the printer's real-time status.
	Status(ctx context.Context) (Status, error)
	// Ready returns nil when the printer can print now.
	Ready(ctx context.Context) error
	// Print returns nil only when the printer confirmed the job.
	Print(ctx context.Context, job []byte) error
}

var (
	_ Device = (*Printer)(nil)
	_ Device = (*Group)(nil)
)

// Group is a failover group of printers used in order: a job goes to the
// first printer that is ready and confirms it. Build it with Failover.
type Group struct {
	// Logger receives which printer was skipped or used; nil discards.
	Logger  *slog.Logger
	devices []Device
	last    int
}

// Failover returns a group trying primary first, then each backup in
// order. Nil devices are left out.
func Failover(primary Device, backups ...Device) *Group {
	devs := make([]Device, 0, 1+len(backups))
	for _, d := range append([]Device{primary}, backups...) {
		if d != nil {
			devs = append(devs, d)
		}
	}
	return &Group{devices: devs, last: -1}
}

// Print tries the printers in order: a printer that is not ready is
// skipped, and one that does not confirm the job passes it to the next.
// It returns nil as soon as one printer confirms, else a *FailoverError
// (matching ErrNotConfirmed and every per-printer reason). A printer that
// may have printed the job although it did not confirm it (its answer was
// lost: PrintError.MaybePrinted) ends the round: a backup printing the
// same original would hand the customer a second unmarked receipt. The
// receipt is then owed, and printed later marked as interrupted.
//
// Print is not safe for concurrent use with itself (Used would be racy);
// the printers themselves are.
func (f *Group) Print(ctx context.Context, job []byte) error {
	f.last = -1
	log := f.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(f.devices) == 0 {
		return &FailoverError{Errs: []error{ErrNoPrinter}}
	}
	var errs []error
	for i, d := range f.devices {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if err := d.Ready(ctx); err != nil {
			log.Info("printer skipped: not ready", "index", i, "err", err)
			errs = append(errs, err)
			continue
		}
		err := d.Print(ctx, job)
		if err == nil {
			f.last = i
			if i > 0 {
				log.Info("job printed on backup printer", "index", i)
			}
			return nil
		}
		log.Info("printer failed to confirm the job", "index", i, "err", err)
		errs = append(errs, err)
		if mayHavePrinted(err) {
			break
		}
	}
	return &FailoverError{Errs: errs}
}

// Used returns the index (0 = primary) of the printer that printed the last
// job, or -1 if the last job was not printed.
func (f *Group) Used() int { return f.last }

// Ready returns nil if any printer of the group is ready, else the errors
// of all of them.
func (f *Group) Ready(ctx context.Context) error {
	if len(f.devices) == 0 {
		return ErrNoPrinter
	}
	var errs []error
	for _, d := range f.devices {
		err := d.Ready(ctx)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Status returns the status of the first printer that answers.
func (f *Group) Status(ctx context.Context) (Status, error) {
	if len(f.devices) == 0 {
		return Status{}, ErrNoPrinter
	}
	var errs []error
	for _, d := range f.devices {
		st, err := d.Status(ctx)
		if err == nil {
			return st, nil
		}
		errs = append(errs, err)
	}
	return Status{}, errors.Join(errs...)
}

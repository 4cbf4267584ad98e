package chaos_test

import (
	"testing"

	"github.com/poshil/hil/chaos"
)

// TestFoundSchedulesStayFixed replays schedules that hil chaos found
// violating an invariant, shrunk, once the bug under each was fixed:
//   - 2977, 4482: an e-receipt (or print) handed over with its outcome lost
//     to a full disk, then the receipt delivered again unmarked: a second
//     unmarked original (fixed: Txn.EReceiptTry marks what follows).
//   - 102560: the torn end of a roll and the next receipt on the new roll
//     were one piece of paper in the emulator (fixed: a new roll finishes
//     the torn receipt).
func TestFoundSchedulesStayFixed(t *testing.T) {
	for _, text := range []string{
		`seed 2977
terminals 2
op 7 t1 sale amount=33225 card=other
op 8 t1 reprint of=7
op 9 t1 sale amount=37127 card=approve
op 10 t1 sale amount=38167 card=approve
op 11 t1 sale amount=4326 card=other
fault t1 client disk-full nth=23
fault t1 printer cutter-jam cut=4
`, `seed 4482
terminals 2
op 3 t1 sale amount=1024 card=approve
op 9 t1 sale amount=5278 card=approve
op 10 t1 sale amount=32485 card=approve
fault t1 printer paper-out after-lines=11
fault t1 client disk-full nth=17
`, `seed 102560
terminals 3
op 2 t3 sale amount=5239 card=other
op 3 t3 reprint of=2
op 4 t3 refund of=2 amount=2772 card=other
op 5 t3 refund of=2 amount=194 card=other
op 7 t3 sale amount=29334 card=other
fault t3 printer paper-out after-lines=19
fault t3 client crash at=after-persist nth=15
`} {
		s, err := chaos.ParseSchedule(text)
		if err != nil {
			t.Fatal(err)
		}
		h, err := chaos.Run(t.Context(), s, chaos.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if vs := chaos.Check(h); len(vs) > 0 {
			t.Errorf("seed %d: %v", s.Seed, vs)
		}
	}
}

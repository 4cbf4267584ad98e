package hostproto

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"sync/atomic"
)

// CUPTestMasterKey is the terminal master key (TMK) of the cup profile:
// the double-length 3DES key 0123456789ABCDEF FEDCBA9876543210, a well
// known test key. The sign-on answer carries the working keys encrypted
// under it. It is a test key for the harness: real terminals get their
// TMK loaded by the acquirer's key management, never over the wire.
var CUPTestMasterKey = [16]byte{
	0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
	0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,
}

// WorkingKeys are the session keys an approved cup sign-on (0810) delivers
// in field 62: a double-length PIN key and a single-length DES MAC key. In
// the typed message they are clear; on the wire the profile encrypts them
// under [CUPTestMasterKey] and adds check values.
type WorkingKeys struct {
	PIN [16]byte // PIK, 3DES; poshil sends no PIN blocks, it only travels
	MAC [8]byte  // MAK, DES: keys the field 64 MAC
}

// NewWorkingKeys returns fresh random working keys.
func NewWorkingKeys() (*WorkingKeys, error) {
	var k WorkingKeys
	if _, err := rand.Read(k.PIN[:]); err != nil {
		return nil, fmt.Errorf("hostproto: working keys: %w", err)
	}
	if _, err := rand.Read(k.MAC[:]); err != nil {
		return nil, fmt.Errorf("hostproto: working keys: %w", err)
	}
	return &k, nil
}

// String shows the check values only, never the keys.
func (k *WorkingKeys) String() string {
	if k == nil {
		return "no working keys"
	}
	pin, mac := keyCheck(k.PIN[:]), keyCheck(k.MAC[:])
	return "working keys PIK check " + hex.EncodeToString(pin[:]) + ", MAK check " + hex.EncodeToString(mac[:])
}

// GoString is String, so %#v does not print the keys either.
func (k *WorkingKeys) GoString() string { return k.String() }

// cupKeysLen is the length of field 62 in an 0810: PIK ciphertext 16,
// PIK check value 4, MAK ciphertext 8 and 8 zero bytes, MAK check value 4.
const cupKeysLen = 40

// tdes returns a 3DES block cipher for a double-length key (K1 K2 K1).
func tdes(key []byte) (cipherBlock, error) {
	k := make([]byte, 0, 24)
	k = append(k, key[:16]...)
	k = append(k, key[:8]...)
	return des.NewTripleDESCipher(k)
}

type cipherBlock interface {
	Encrypt(dst, src []byte)
	Decrypt(dst, src []byte)
}

func cipherFor(key []byte) (cipherBlock, error) {
	switch len(key) {
	case 8:
		return des.NewCipher(key)
	case 16:
		return tdes(key)
	}
	return nil, fmt.Errorf("%w: key of %d bytes, want 8 or 16", ErrBadField, len(key))
}

// keyCheck is a key's check value: the first 4 bytes of the encryption of
// eight zero bytes under it.
func keyCheck(key []byte) [4]byte {
	var out [4]byte
	c, err := cipherFor(key)
	if err != nil {
		return out
	}
	var blk [8]byte
	c.Encrypt(blk[:], blk[:])
	copy(out[:], blk[:4])
	return out
}

// encodeKeys is field 62 of an 0810.
func encodeKeys(k *WorkingKeys) (string, error) {
	tmk, err := tdes(CUPTestMasterKey[:])
	if err != nil {
		return "", err
	}
	b := make([]byte, cupKeysLen)
	tmk.Encrypt(b[0:8], k.PIN[0:8])
	tmk.Encrypt(b[8:16], k.PIN[8:16])
	pc := keyCheck(k.PIN[:])
	copy(b[16:20], pc[:])
	tmk.Encrypt(b[20:28], k.MAC[:])
	// b[28:36] stays zero: the MAK is single length.
	mc := keyCheck(k.MAC[:])
	copy(b[36:40], mc[:])
	return string(b), nil
}

// decodeKeys reads field 62 of an 0810 and checks both check values.
func decodeKeys(v string) (*WorkingKeys, error) {
	if len(v) != cupKeysLen {
		return nil, fmt.Errorf("%w: working keys are %d bytes, want %d", ErrBadField, len(v), cupKeysLen)
	}
	b := []byte(v)
	tmk, err := tdes(CUPTestMasterKey[:])
	if err != nil {
		return nil, err
	}
	var k WorkingKeys
	tmk.Decrypt(k.PIN[0:8], b[0:8])
	tmk.Decrypt(k.PIN[8:16], b[8:16])
	tmk.Decrypt(k.MAC[:], b[20:28])
	for _, c := range b[28:36] {
		if c != 0 {
			return nil, fmt.Errorf("%w: MAK is single length: bytes 29-36 of field 62 must be zero", ErrBadField)
		}
	}
	if pc := keyCheck(k.PIN[:]); subtle.ConstantTimeCompare(pc[:], b[16:20]) != 1 {
		return nil, fmt.Errorf("%w: PIK check value does not match (wrong master key?)", ErrBadField)
	}
	if mc := keyCheck(k.MAC[:]); subtle.ConstantTimeCompare(mc[:], b[36:40]) != 1 {
		return nil, fmt.Errorf("%w: MAK check value does not match (wrong master key?)", ErrBadField)
	}
	return &k, nil
}

// CUPMAC computes the cup profile's MAC of mab (the message from its MTI
// to the end of field 63) under the 8-byte DES key mak. The algorithm is
// the CUP POS "ECB" MAC:
//
//  1. pad mab with 0x00 to a multiple of 8 bytes;
//  2. XOR the 8-byte blocks together into one block R;
//  3. write R as 16 upper-case hex characters H;
//  4. encrypt the first 8 characters of H with the MAK (DES);
//  5. XOR the result with the last 8 characters of H;
//  6. encrypt that with the MAK;
//  7. the MAC is the first 8 upper-case hex characters of the result,
//     sent as 8 ASCII bytes in field 64.
func CUPMAC(mak [8]byte, mab []byte) [8]byte {
	mac, _ := cupMAC(mak[:], mab)
	return mac
}

// macCiphers caches the DES key schedules of recent MAKs: computing one
// costs more than the rest of a MAC. The cache is a fixed 256 slots
// (about 40 KiB at most); a slot holds the last key hashed to it.
var macCiphers [256]atomic.Pointer[macCipher]

type macCipher struct {
	key [8]byte
	c   cipher.Block
}

func macCipherFor(mak []byte) (cipher.Block, error) {
	if len(mak) != 8 {
		return nil, fmt.Errorf("%w: MAK of %d bytes, want 8", ErrBadField, len(mak))
	}
	var k [8]byte
	copy(k[:], mak)
	slot := &macCiphers[k[0]^k[3]^k[5]^k[7]]
	if e := slot.Load(); e != nil && e.key == k {
		return e.c, nil
	}
	c, err := des.NewCipher(mak)
	if err != nil {
		return nil, err
	}
	slot.Store(&macCipher{key: k, c: c})
	return c, nil
}

func cupMAC(mak, mab []byte) ([8]byte, error) {
	var out [8]byte
	c, err := macCipherFor(mak)
	if err != nil {
		return out, err
	}
	var r [8]byte
	for i, b := range mab {
		r[i%8] ^= b
	}
	var h [16]byte
	hexUpper(h[:], r[:])
	var e [8]byte
	c.Encrypt(e[:], h[:8])
	for i := range 8 {
		e[i] ^= h[8+i]
	}
	c.Encrypt(e[:], e[:])
	var eh [16]byte
	hexUpper(eh[:], e[:])
	copy(out[:], eh[:8])
	return out, nil
}

func hexUpper(dst, src []byte) {
	const digits = "0123456789ABCDEF"
	for i, b := range src {
		dst[2*i] = digits[b>>4]
		dst[2*i+1] = digits[b&0x0F]
	}
}

package escpos

import (
	"container/list"
	"sync"

	"github.com/boombuler/barcode/qr"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// QR symbols cost: encoding a large symbol scores eight masks over the
// whole matrix (tens of milliseconds for 2,000 bytes), and receipts print
// the same stored symbol again and again (GS ( k fn=81 repeats the last
// fn=80). The printer needs only the symbol's size in modules, so the
// sizes are cached per (data, error level) in a bounded LRU shared by all
// printers: at most qrCacheEntries symbols and qrCacheBytes of their
// data.
const (
	qrCacheEntries = 64
	qrCacheBytes   = 256 << 10
)

type qrKey struct {
	level paper.ECLevel
	data  string
}

type qrEntry struct {
	key     qrKey
	modules int
}

type qrCache struct {
	mu           sync.Mutex
	lru          *list.List // of *qrEntry, most recent first
	byKey        map[qrKey]*list.Element
	bytes        int
	hits, misses int
}

var qrSymbols = newQRCache()

func newQRCache() *qrCache {
	return &qrCache{lru: list.New(), byKey: map[qrKey]*list.Element{}}
}

// modules returns the number of modules across the QR symbol for data.
func (c *qrCache) modules(data string, level paper.ECLevel) (int, error) {
	k := qrKey{level, data}
	c.mu.Lock()
	if e, ok := c.byKey[k]; ok {
		c.lru.MoveToFront(e)
		c.hits++
		n := e.Value.(*qrEntry).modules
		c.mu.Unlock()
		return n, nil
	}
	c.misses++
	c.mu.Unlock()
	code, err := qr.Encode(data, qr.ErrorCorrectionLevel(level), qr.Auto)
	if err != nil {
		return 0, err
	}
	n := code.Bounds().Dx()
	if len(data) > qrCacheBytes {
		return n, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[k]; !ok {
		c.byKey[k] = c.lru.PushFront(&qrEntry{key: k, modules: n})
		c.bytes += len(data)
		for c.lru.Len() > qrCacheEntries || c.bytes > qrCacheBytes {
			e := c.lru.Back()
			old := e.Value.(*qrEntry)
			c.lru.Remove(e)
			delete(c.byKey, old.key)
			c.bytes -= len(old.key.data)
		}
	}
	return n, nil
}

func (c *qrCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.byKey)
	c.bytes, c.hits, c.misses = 0, 0, 0
}

func (c *qrCache) stats() (hits, misses int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

func (c *qrCache) size() (n, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

package telemetry

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
)

// The ingest fast path. A data center sends the same series again and again: the same rack PDU
// outlet every 15 seconds. Building a label set for every sample (and decoding the protobuf into
// Go structures first) is most of what a receiver spends its CPU on. Here the wire bytes of a
// series' labels are hashed (128 bits, two seeds) and looked up in a cache of the store's series
// references; a series seen before is appended by reference, straight from the wire bytes. Only a
// series not seen yet (or one the store has since dropped from memory) has its labels decoded,
// checked and built.

var seedA, seedB = maphash.MakeSeed(), maphash.MakeSeed()

type seriesKey [2]uint64

const cacheShards = 64

// seriesCache maps series keys to store references. It forgets the series not written for a
// while: each shard has two generations, the current one and the one before; a key found only in
// the one before is moved to the current one, and every cacheIdle (checked when a series is added)
// the one before is dropped and the current one takes its place. A series written at least once
// per cacheIdle stays; one that stopped is gone after one to two cacheIdle, so the cache follows
// the series in use rather than every series ever seen (about 40 bytes each).
type seriesCache struct {
	idle   time.Duration
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu      sync.RWMutex
	m, old  map[seriesKey]storage.SeriesRef
	rotated time.Time
}

// cacheIdle is how long a series unwritten stays in the cache, at least.
const cacheIdle = time.Hour

func newSeriesCache() *seriesCache {
	c := &seriesCache{idle: cacheIdle}
	now := time.Now()
	for i := range c.shards {
		c.shards[i].m = map[seriesKey]storage.SeriesRef{}
		c.shards[i].rotated = now
	}
	return c
}

func (c *seriesCache) get(k seriesKey) storage.SeriesRef {
	sh := &c.shards[k[0]%cacheShards]
	sh.mu.RLock()
	r := sh.m[k]
	stale := r == 0 && sh.old != nil
	sh.mu.RUnlock()
	if !stale {
		return r
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if r = sh.old[k]; r != 0 {
		sh.m[k] = r
		delete(sh.old, k)
	} else {
		r = sh.m[k] // moved by another writer meanwhile
	}
	return r
}

func (c *seriesCache) put(k seriesKey, r storage.SeriesRef) {
	sh := &c.shards[k[0]%cacheShards]
	sh.mu.Lock()
	if now := time.Now(); now.Sub(sh.rotated) >= c.idle {
		sh.rotate(now)
	}
	sh.m[k] = r
	sh.mu.Unlock()
}

// rotate drops the generation before and starts a new one; the caller holds the lock.
func (sh *cacheShard) rotate(now time.Time) {
	sh.old, sh.m = sh.m, make(map[seriesKey]storage.SeriesRef, len(sh.m))
	sh.rotated = now
}

func (c *seriesCache) drop(k seriesKey) {
	sh := &c.shards[k[0]%cacheShards]
	sh.mu.Lock()
	delete(sh.m, k)
	delete(sh.old, k)
	sh.mu.Unlock()
}

// len is the number of series cached.
func (c *seriesCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m) + len(sh.old)
		sh.mu.RUnlock()
	}
	return n
}

// keyOf hashes the wire bytes of a series' labels.
func keyOf(b []byte) seriesKey { return seriesKey{maphash.Bytes(seedA, b), maphash.Bytes(seedB, b)} }

// wire is a protobuf reader over a byte slice.
type wire struct {
	b   []byte
	err error
}

func (w *wire) varint() uint64 {
	v, n := binary.Uvarint(w.b)
	if n <= 0 {
		w.fail("bad varint")
		return 0
	}
	w.b = w.b[n:]
	return v
}

func (w *wire) fail(msg string) {
	if w.err == nil {
		w.err = errors.New(msg)
	}
	w.b = nil
}

func (w *wire) bytes() []byte {
	n := w.varint()
	if w.err != nil {
		return nil
	}
	if n > uint64(len(w.b)) {
		w.fail("length past the end")
		return nil
	}
	out := w.b[:n]
	w.b = w.b[n:]
	return out
}

// skip skips a field of wire type wt.
func (w *wire) skip(wt uint64) {
	switch wt {
	case 0:
		w.varint()
	case 1:
		if len(w.b) < 8 {
			w.fail("fixed64 past the end")
			return
		}
		w.b = w.b[8:]
	case 2:
		w.bytes()
	case 5:
		if len(w.b) < 4 {
			w.fail("fixed32 past the end")
			return
		}
		w.b = w.b[4:]
	default:
		w.fail(fmt.Sprintf("wire type %d", wt))
	}
}

// rwSeries is one series of a remote-write request as found on the wire.
type rwSeries struct {
	key      seriesKey
	labels   []byte // the label fields' bytes, as sent (contiguous)
	first, n int    // its samples in the request's sample list
	lset     labels.Labels
	ref      storage.SeriesRef
}

// rwRequest is a decoded request, kept in a pool between requests.
type rwRequest struct {
	series  []rwSeries
	samples []Sample
	snappy  []byte
	body    []byte
}

var rwPool = sync.Pool{New: func() any { return &rwRequest{} }}

// decodeWriteRequest reads a WriteRequest (prometheus/prompb remote.proto: 1 timeseries; in each,
// 1 labels {1 name, 2 value}, 2 samples {1 value double, 2 timestamp int64}, 3 exemplars, 4
// histograms) into r without building anything.
func decodeWriteRequest(buf []byte, r *rwRequest) error {
	r.series, r.samples = r.series[:0], r.samples[:0]
	w := wire{b: buf}
	for len(w.b) > 0 && w.err == nil {
		tag := w.varint()
		if tag>>3 != 1 || tag&7 != 2 {
			w.skip(tag & 7)
			continue
		}
		ts := wire{b: w.bytes()}
		s := rwSeries{first: len(r.samples)}
		lStart, lEnd := -1, -1
		for len(ts.b) > 0 && ts.err == nil {
			at := cap(buf) - cap(ts.b) // offset in buf: ts.b is a part of it
			tag := ts.varint()
			switch {
			case tag == 1<<3|2: // label
				ts.bytes()
				if lStart < 0 {
					lStart = at
				} else if lEnd != at {
					return fmt.Errorf("series %d: labels not together", len(r.series))
				}
				lEnd = cap(buf) - cap(ts.b)
			case tag == 2<<3|2: // sample
				sm := wire{b: ts.bytes()}
				var smp Sample
				for len(sm.b) > 0 && sm.err == nil {
					switch t := sm.varint(); t {
					case 1<<3 | 1:
						if len(sm.b) < 8 {
							sm.fail("value past the end")
							break
						}
						smp.V = math.Float64frombits(binary.LittleEndian.Uint64(sm.b))
						sm.b = sm.b[8:]
					case 2 << 3: // timestamp, a varint
						smp.T = int64(sm.varint())
					default:
						sm.skip(t & 7)
					}
				}
				if sm.err != nil {
					return fmt.Errorf("series %d: sample: %v", len(r.series), sm.err)
				}
				r.samples = append(r.samples, smp)
			case tag>>3 == 4:
				return fmt.Errorf("series %d: native histograms are not stored", len(r.series))
			default:
				ts.skip(tag & 7)
			}
		}
		if ts.err != nil {
			return fmt.Errorf("series %d: %v", len(r.series), ts.err)
		}
		if lStart >= 0 {
			s.labels = buf[lStart:lEnd]
		}
		s.n = len(r.samples) - s.first
		s.key = keyOf(s.labels)
		r.series = append(r.series, s)
	}
	return w.err
}

// buildLabels decodes a series' label fields into a sorted label set.
func buildLabels(raw []byte, b *labels.ScratchBuilder) (labels.Labels, error) {
	b.Reset()
	w := wire{b: raw}
	for len(w.b) > 0 && w.err == nil {
		w.varint() // the label field's tag
		lw := wire{b: w.bytes()}
		var name, value []byte
		for len(lw.b) > 0 && lw.err == nil {
			switch t := lw.varint(); t {
			case 1<<3 | 2:
				name = lw.bytes()
			case 2<<3 | 2:
				value = lw.bytes()
			default:
				lw.skip(t & 7)
			}
		}
		if lw.err != nil {
			return labels.EmptyLabels(), lw.err
		}
		b.Add(string(name), string(value))
	}
	if w.err != nil {
		return labels.EmptyLabels(), w.err
	}
	b.Sort()
	return b.Labels(), nil
}

// errStale is a cached reference the store no longer knows, when the caller must give the labels.
var errStale = errors.New("series reference no longer in the store")

// addSeries appends one series' samples by its cached reference ref (0: not cached; lset is then
// its checked label set). A reference the store no longer knows (the series left memory since)
// is dropped from the cache and the series appended by its labels, rebuilt from raw.
func (w *writer) addSeries(c *seriesCache, key seriesKey, ref storage.SeriesRef, lset labels.Labels, raw []byte, samples []Sample, b *labels.ScratchBuilder) error {
	cached := ref != 0
	for _, smp := range samples {
		r, err := w.app.Append(ref, lset, smp.T, smp.V)
		if err != nil && cached && lset.IsEmpty() && !w.rejected.known(err) {
			c.drop(key)
			cached = false
			if raw == nil {
				return errStale // the caller has the labels
			}
			if lset, err = buildLabels(raw, b); err != nil {
				return err
			}
			r, err = w.app.Append(0, lset, smp.T, smp.V)
		}
		if err != nil {
			if w.rejected.add(err) {
				continue
			}
			return err
		}
		ref = r
	}
	if !cached && ref != 0 && key != (seriesKey{}) {
		c.put(key, ref)
	}
	return nil
}

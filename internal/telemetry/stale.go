package telemetry

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
)

// SeriesAge is a series and the time of its newest sample.
type SeriesAge struct {
	Labels map[string]string
	Last   time.Time
}

// StaleSeries lists the series in memory (the last two to three hours) labelled with a site whose
// newest sample is more than after older than now: series that stopped. It reads the head's index
// and chunk bounds, and the samples of a series' open chunk only when that chunk began before the
// cut (the open chunk's end is not kept). A series that stopped long enough ago to have left memory
// is no longer listed.
func (s *Store) StaleSeries(ctx context.Context, now time.Time, after time.Duration) ([]SeriesAge, error) {
	ir, err := s.db.Head().Index()
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	cr, err := s.db.Head().Chunks()
	if err != nil {
		return nil, err
	}
	defer cr.Close()
	p := ir.PostingsForAllLabelValues(ctx, "site")
	cut := now.Add(-after).UnixMilli()
	var out []SeriesAge
	var b labels.ScratchBuilder
	var chks []chunks.Meta
	var it chunkenc.Iterator
	for n := 0; p.Next(); n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := ir.Series(p.At(), &b, &chks); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				continue // dropped from memory meanwhile
			}
			return nil, err
		}
		if len(chks) == 0 {
			continue
		}
		newest := chks[len(chks)-1]
		last := newest.MaxTime
		if last == math.MaxInt64 { // the open chunk: its samples say
			if newest.MinTime >= cut {
				continue
			}
			chk, _, err := cr.ChunkOrIterable(newest)
			if err != nil || chk == nil {
				continue // dropped meanwhile
			}
			it = chk.Iterator(it)
			if it.Seek(cut) != chunkenc.ValNone {
				continue
			}
			last = newest.MinTime
			for it = chk.Iterator(it); it.Next() != chunkenc.ValNone; {
				last = it.AtT()
			}
		}
		if last >= cut {
			continue
		}
		out = append(out, SeriesAge{Labels: b.Labels().Map(), Last: time.UnixMilli(last)})
	}
	return out, p.Err()
}

package collect

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type memSink struct {
	mu     sync.Mutex
	writes map[string][]time.Time
	values map[string]int
}

func (m *memSink) Failed(context.Context, *Target, time.Time, error) {}

func (m *memSink) Write(_ context.Context, t *Target, at time.Time, rs []Reading) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes[t.ID] = append(m.writes[t.ID], at)
	for _, r := range rs {
		if !r.Missing {
			m.values[t.ID]++
		}
	}
	return nil
}

// A dead target, one that answers garbage, and one that answers after the timeout: the good one is
// polled on schedule all the same, each bad one is marked down with its reason (or up, with its
// garbage counted missing), and no goroutine is left behind.
func TestSchedulerBadTargets(t *testing.T) {
	before := runtime.NumGoroutine()
	sink := &memSink{writes: map[string][]time.Time{}, values: map[string]int{}}
	s := NewScheduler(4, sink)
	s.Backoff = 5 * time.Millisecond
	var slowCalls, deadCalls atomic.Int64
	every := 100 * time.Millisecond
	s.Set([]Target{
		{ID: "good", Interval: every, Timeout: 50 * time.Millisecond, Poll: func(ctx context.Context) (Result, error) {
			return Result{Profile: "p", Readings: []Reading{{Name: "pdu_power_watts", Value: 100}, {Name: "pdu_energy_kwh_total", Value: 5}}}, nil
		}},
		{ID: "dead", Interval: every, Timeout: 50 * time.Millisecond, Retries: 2, Poll: func(ctx context.Context) (Result, error) {
			deadCalls.Add(1)
			return Result{}, errors.New("dial udp 10.0.0.9:161: connection refused")
		}},
		{ID: "slow", Interval: every, Timeout: 30 * time.Millisecond, Poll: func(ctx context.Context) (Result, error) {
			slowCalls.Add(1)
			select {
			case <-time.After(time.Second):
				return Result{Readings: []Reading{{Name: "late", Value: 1}}}, nil
			case <-ctx.Done():
				return Result{}, ctx.Err()
			}
		}},
		{ID: "garbage", Interval: every, Timeout: 50 * time.Millisecond, Poll: func(ctx context.Context) (Result, error) {
			return Result{Profile: "p", Readings: []Reading{{Name: "t", Missing: true, Reason: "\"N/A\" is not a number"}, {Name: "u", Value: 3}}}, nil
		}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 1050*time.Millisecond)
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	<-done
	cancel()
	health := map[string]Health{}
	for _, h := range s.Health() {
		health[h.Target] = h
	}
	sink.mu.Lock()
	good := sink.writes["good"]
	sink.mu.Unlock()
	// About ten polls, each a turn after the one before (with room for a loaded CI machine).
	if len(good) < 6 || len(good) > 12 {
		t.Errorf("good target polled %d times in about a second at 100 ms", len(good))
	}
	for i := 1; i < len(good); i++ {
		if gap := good[i].Sub(good[i-1]); gap < 60*time.Millisecond || gap > 300*time.Millisecond {
			t.Errorf("poll %d of good came %v after the one before", i, gap)
		}
	}
	if h := health["good"]; !h.Up || h.LastSuccess == nil || h.Readings != 2 || h.Profile != "p" {
		t.Errorf("good: %+v", h)
	}
	if h := health["dead"]; h.Up || h.LastError != "dial udp 10.0.0.9:161: connection refused" || h.Failures < 6 {
		t.Errorf("dead: %+v", h)
	}
	if h := health["dead"]; deadCalls.Load() < 3*(h.Failures-1) { // the last turn may be cut short by the stop
		t.Errorf("dead target tried %d times in %d turns: want its two retries on every turn", deadCalls.Load(), h.Failures)
	}
	if h := health["slow"]; h.Up || h.LastError != "no answer within the timeout of 30ms" || h.LastSuccess != nil {
		t.Errorf("slow: %+v", h)
	}
	if h := health["garbage"]; !h.Up || h.Missing != 1 || h.Readings != 2 {
		t.Errorf("garbage: %+v", h)
	}
	if sink.values["garbage"] == 0 || sink.values["slow"] != 0 {
		t.Errorf("stored values: %v", sink.values)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the scheduler stopped, %d before", n, before)
	}
}

// At most Concurrency polls run at once; a target is never polled twice at the same time.
func TestSchedulerConcurrency(t *testing.T) {
	s := NewScheduler(2, nil)
	var running, most atomic.Int64
	var targets []Target
	for i := 0; i < 8; i++ {
		targets = append(targets, Target{ID: string(rune('a' + i)), Interval: 20 * time.Millisecond, Timeout: time.Second,
			Poll: func(ctx context.Context) (Result, error) {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(30 * time.Millisecond)
				running.Add(-1)
				return Result{}, nil
			}})
	}
	s.Set(targets)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	s.Run(ctx)
	if most.Load() != 2 {
		t.Errorf("at most %d polls at once, want 2", most.Load())
	}
	polls := int64(0)
	for _, h := range s.Health() {
		polls += h.Polls
	}
	// 2 slots × 400 ms / 30 ms a poll: about 26.
	if polls < 12 {
		t.Errorf("%d polls in 400 ms with 2 slots of 30 ms polls", polls)
	}
}

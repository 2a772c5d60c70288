package collect

import (
	"container/heap"
	"context"
	"errors"
	"hash/fnv"
	"sort"
	"sync"
	"time"
)

// Target is one device to poll on a schedule.
type Target struct {
	ID       string            // stable and unique: the URL, or the inventory object it is
	Labels   map[string]string // identity put on every reading: site, room, rack, device, ...
	Interval time.Duration     // between polls (default one minute)
	Timeout  time.Duration     // of one attempt (default 10 s)
	Retries  int               // more attempts after a failed one, with backoff, within the interval
	Poll     func(ctx context.Context) (Result, error)
}

// Sink receives what a poll read: the target's readings, stamped with when the poll began; or
// that it failed, and why.
type Sink interface {
	Write(ctx context.Context, t *Target, at time.Time, readings []Reading) error
	Failed(ctx context.Context, t *Target, at time.Time, err error)
}

// Health is how a target fares.
type Health struct {
	Target      string        `json:"target"`
	Up          bool          `json:"up"`
	Profile     string        `json:"profile,omitempty"`
	LastAttempt time.Time     `json:"last_attempt"`
	LastSuccess *time.Time    `json:"last_success"`
	LastError   string        `json:"last_error,omitempty"`
	Duration    time.Duration `json:"poll_duration_ns"` // of the last poll, retries included
	Readings    int           `json:"readings"`         // in the last successful poll
	Missing     int           `json:"missing"`          // of those, judged missing
	Polls       int64         `json:"polls"`
	Failures    int64         `json:"failures"`
}

// Scheduler polls targets on their intervals, at most Concurrency at once. Each target's first
// poll is offset by a jitter derived from its ID, so that a thousand PDUs on one interval do not
// all fire in the same second. A poll that is still running when its next is due makes that one
// wait: polls of one target never overlap. A failing target is retried with backoff, marked down
// with its error, and polled again at its next turn; the others are not held up.
type Scheduler struct {
	Concurrency int
	Sink        Sink
	// Backoff is the wait before the first retry (doubled for each next one); default 1 s.
	Backoff time.Duration

	mu      sync.Mutex
	targets map[string]*entry
	health  map[string]*Health
	wake    chan struct{}
}

type entry struct {
	t       Target
	next    time.Time
	running bool
	index   int // in the heap
	gone    bool
}

// NewScheduler returns a scheduler writing to sink.
func NewScheduler(concurrency int, sink Sink) *Scheduler {
	if concurrency <= 0 {
		concurrency = 64
	}
	return &Scheduler{Concurrency: concurrency, Sink: sink, Backoff: time.Second,
		targets: map[string]*entry{}, health: map[string]*Health{}, wake: make(chan struct{}, 1)}
}

// Set replaces the targets: new ones are scheduled, removed ones stop, changed ones keep their turn.
func (s *Scheduler) Set(targets []Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	now := time.Now()
	for _, t := range targets {
		if t.Interval <= 0 {
			t.Interval = time.Minute
		}
		if t.Timeout <= 0 {
			t.Timeout = 10 * time.Second
		}
		seen[t.ID] = true
		if e, ok := s.targets[t.ID]; ok {
			e.t = t
			continue
		}
		s.targets[t.ID] = &entry{t: t, next: now.Add(jitter(t.ID, t.Interval))}
		s.health[t.ID] = &Health{Target: t.ID}
	}
	for id, e := range s.targets {
		if !seen[id] {
			e.gone = true
			delete(s.targets, id)
			delete(s.health, id)
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// jitter is a stable offset within the interval, from the target's ID.
func jitter(id string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(id))
	return time.Duration(h.Sum64() % uint64(interval))
}

// Health lists every target's health, by target.
func (s *Scheduler) Health() []Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Health, 0, len(s.health))
	for _, h := range s.health {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

// due is a heap of targets by their next poll.
type due []*entry

func (d due) Len() int               { return len(d) }
func (d due) Less(i, j int) bool     { return d[i].next.Before(d[j].next) }
func (d due) Swap(i, j int)          { d[i], d[j] = d[j], d[i]; d[i].index, d[j].index = i, j }
func (d *due) Push(x any)            { e := x.(*entry); e.index = len(*d); *d = append(*d, e) }
func (d *due) Pop() any              { old := *d; e := old[len(old)-1]; *d = old[:len(old)-1]; return e }
func (d due) peek() *entry           { return d[0] }
func (d *due) add(e *entry)          { heap.Push(d, e) }
func (d *due) remove(e *entry)       { heap.Remove(d, e.index) }
func (d due) contains(e *entry) bool { return e.index >= 0 && e.index < len(d) && d[e.index] == e }

// Run polls until ctx is done, then waits for the polls under way to end.
func (s *Scheduler) Run(ctx context.Context) {
	slots := make(chan struct{}, s.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	var q due
	for {
		// Bring the queue in line with the targets.
		s.mu.Lock()
		for _, e := range s.targets {
			if !q.contains(e) && !e.running {
				q.add(e)
			}
		}
		for i := 0; i < len(q); {
			if q[i].gone {
				q.remove(q[i])
				continue
			}
			i++
		}
		var wait time.Duration = time.Hour
		now := time.Now()
		var ready []*entry
		for len(q) > 0 && !q.peek().next.After(now) {
			e := heap.Pop(&q).(*entry)
			e.running = true
			ready = append(ready, e)
		}
		if len(q) > 0 {
			wait = time.Until(q.peek().next)
		}
		s.mu.Unlock()
		for _, e := range ready {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func(e *entry) {
				defer wg.Done()
				defer func() { <-slots }()
				s.pollOne(ctx, e)
				s.mu.Lock()
				e.running = false
				// The next turn: one interval after this one was due, or now if that has passed.
				e.next = e.next.Add(e.t.Interval)
				if n := time.Now(); e.next.Before(n) {
					e.next = n
				}
				s.mu.Unlock()
				select {
				case s.wake <- struct{}{}:
				default:
				}
			}(e)
		}
		if len(ready) > 0 {
			continue
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-s.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// pollOne polls a target, retrying with backoff within its interval, and records its health.
func (s *Scheduler) pollOne(ctx context.Context, e *entry) {
	t := e.t
	start := time.Now()
	deadline := start.Add(t.Interval)
	var res Result
	var err error
	backoff := s.Backoff
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, t.Timeout)
		res, err = t.Poll(actx)
		if err == nil && actx.Err() != nil {
			err = actx.Err()
		}
		cancel()
		if err == nil || attempt >= t.Retries || ctx.Err() != nil || time.Now().Add(backoff+t.Timeout).After(deadline) {
			break
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff *= 2
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.New("no answer within the timeout of " + t.Timeout.String())
	}
	if err == nil && s.Sink != nil {
		if werr := s.Sink.Write(ctx, &t, start, res.Readings); werr != nil {
			err = errors.New("storing the readings: " + werr.Error())
		}
	} else if err != nil && s.Sink != nil && ctx.Err() == nil {
		s.Sink.Failed(ctx, &t, start, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.health[t.ID]
	if h == nil || e.gone {
		return
	}
	h.LastAttempt, h.Duration = start, time.Since(start)
	h.Polls++
	if err != nil {
		h.Up, h.LastError = false, err.Error()
		h.Failures++
		return
	}
	now := start
	h.Up, h.LastSuccess, h.LastError, h.Profile = true, &now, "", res.Profile
	h.Readings, h.Missing = len(res.Readings), 0
	for _, r := range res.Readings {
		if r.Missing {
			h.Missing++
		}
	}
}

package alert

import (
	"sync"
	"time"
)

// perCycle is a value worked out once per evaluation cycle and shared by the built-in rules that
// read it (the engine evaluates every rule of a cycle at the same time): the first rule to ask at a
// new time computes it, the others get it, error included.
type perCycle[T any] struct {
	mu   sync.Mutex
	at   time.Time
	done bool
	v    T
	err  error
}

// get is the value for the cycle at at, computed by compute if this is the first asking.
func (p *perCycle[T]) get(at time.Time, compute func() (T, error)) (T, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done || !p.at.Equal(at) {
		p.v, p.err = compute()
		p.at, p.done = at, true
	}
	return p.v, p.err
}

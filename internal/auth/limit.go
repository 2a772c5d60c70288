package auth

import (
	"sync"
	"time"
)

// Limiter slows down guessing: after Free failures of one key (a client address, a login name)
// within Window, that key is refused for Lockout, doubled for each further failure up to MaxLockout.
// A success clears the key. It lives in memory: a restart forgets, and replicas count apart.
type Limiter struct {
	Free       int
	Window     time.Duration
	Lockout    time.Duration
	MaxLockout time.Duration

	mu   sync.Mutex
	keys map[string]*strikes
	now  func() time.Time
}

type strikes struct {
	count int
	first time.Time
	until time.Time
}

// NewLimiter returns a limiter allowing free failures per window.
func NewLimiter(free int, window, lockout, maxLockout time.Duration) *Limiter {
	return &Limiter{Free: free, Window: window, Lockout: lockout, MaxLockout: maxLockout, keys: map[string]*strikes{}, now: time.Now}
}

// Wait returns how long key must wait before trying again; 0: it may try now.
func (l *Limiter) Wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.keys[key]
	if !ok {
		return 0
	}
	now := l.now()
	if now.Before(s.until) {
		return s.until.Sub(now)
	}
	return 0
}

// Fail counts a failure of key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	s, ok := l.keys[key]
	if !ok || (now.Sub(s.first) > l.Window && now.After(s.until)) {
		s = &strikes{first: now}
		l.keys[key] = s
	}
	s.count++
	// The Free-th failure locks the key; each further one doubles the lockout.
	if over := s.count - l.Free; over >= 0 {
		d := l.Lockout
		for i := 0; i < over && d < l.MaxLockout; i++ {
			d *= 2
		}
		s.until = now.Add(min(d, l.MaxLockout))
	}
	if len(l.keys) > 100000 { // a flood of distinct keys: forget those long quiet
		for k, v := range l.keys {
			if now.Sub(v.first) > l.Window && now.After(v.until) {
				delete(l.keys, k)
			}
		}
	}
}

// Succeed clears key.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// SetClock replaces the limiter's clock (tests).
func (l *Limiter) SetClock(now func() time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.now = now
}

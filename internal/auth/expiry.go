package auth

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseExpiry reads when a token expires: a lifetime from now (90m, 12h, 30d) or a time (RFC 3339,
// or a date, which means its midnight UTC). "" is never (nil).
func ParseExpiry(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var at time.Time
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 3650 {
			return nil, fmt.Errorf("%q: want a lifetime such as 12h or 30d (at most 3650d), or a time", s)
		}
		at = now.Add(time.Duration(n) * 24 * time.Hour)
	} else if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return nil, fmt.Errorf("%q: a lifetime must be positive", s)
		}
		at = now.Add(d)
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else if t, err := time.Parse(time.DateOnly, s); err == nil {
		at = t
	} else {
		return nil, fmt.Errorf("%q: want a lifetime such as 12h or 30d, or a time (2027-01-31 or RFC 3339)", s)
	}
	if !at.After(now) {
		return nil, fmt.Errorf("%q is not in the future", s)
	}
	at = at.UTC()
	return &at, nil
}

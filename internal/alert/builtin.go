package alert

import (
	"context"
	"time"

	"github.com/plenum-dcim/plenum/internal/collect"
)

// PollTargetDown is a built-in rule: a poll target that has not answered for a minute (up to its
// retries) is an alert, with the target's name, profile and last error; its value is the seconds
// since its last success (or since its first attempt when it never answered). The pollers' own
// health is read, so a target is covered as soon as it is in the inventory. (Its last error is in
// the poll status, not in the labels: labels are the alert's identity.)
func PollTargetDown(health func() []collect.Health) Rule {
	return Rule{Group: "plenum", Name: "PollTargetDown", For: time.Minute, Severity: "warning", Source: "builtin",
		Labels: map[string]string{"severity": "warning"},
		Annotations: map[string]string{
			"summary":     "poll target {{ $labels.target }} does not answer",
			"description": "no answer for {{ humanizeDuration $value }}; its last error is in the poll status",
		},
		Builtin: func(_ context.Context, at time.Time) ([]Sample, error) {
			var out []Sample
			for _, h := range health() {
				if h.Up || h.LastAttempt.IsZero() {
					continue
				}
				since := h.LastAttempt
				if h.LastSuccess != nil {
					since = *h.LastSuccess
				}
				out = append(out, Sample{Labels: map[string]string{"target": h.Target, "profile": h.Profile},
					Value: at.Sub(since).Seconds()})
			}
			return out, nil
		},
	}
}

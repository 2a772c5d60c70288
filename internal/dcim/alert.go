package dcim

import (
	"regexp"
	"strings"
	"time"
)

// Alert is one episode of an alert, from its first sight to its resolution (issue #8).
type Alert struct {
	ID          int64             `json:"id"`
	Fingerprint string            `json:"fingerprint" doc:"the rule and the series' labels, hashed: the same alert across episodes"`
	Name        string            `json:"name" doc:"the rule's name (alertname)"`
	State       string            `json:"state" enum:"pending,firing,resolved"`
	Severity    string            `json:"severity"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Since       time.Time         `json:"since" doc:"first seen in this episode"`
	FiredAt     *time.Time        `json:"fired_at"`
	ResolvedAt  *time.Time        `json:"resolved_at"`
	Value       *float64          `json:"value" doc:"the expression's last value"`
	Flapping    bool              `json:"flapping" doc:"held firing while it keeps coming and going"`
	Object      *ObjectRef        `json:"object" doc:"the inventory object it concerns, where its labels name one"`
	Silenced    bool              `json:"silenced" doc:"a silence in force matches it: no notifications"`
	Ack         *AlertAck         `json:"ack"`
}

// AlertAck is who acknowledged an alert, when and why.
type AlertAck struct {
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment"`
}

// Silence mutes the notifications of the alerts whose labels match all its matchers, from Starts
// to Ends.
type Silence struct {
	ID        int64          `json:"id" readOnly:"true" required:"false"`
	Matchers  []LabelMatcher `json:"matchers" minItems:"1"`
	Starts    time.Time      `json:"starts"`
	Ends      time.Time      `json:"ends"`
	CreatedBy string         `json:"created_by" readOnly:"true" required:"false"`
	Comment   string         `json:"comment" minLength:"1" maxLength:"500" doc:"why: silences must say"`
	Created   time.Time      `json:"created" readOnly:"true" required:"false"`
}

// LabelMatcher matches one label: equal to Value, or matching it as a regular expression
// (anchored, as Prometheus's).
type LabelMatcher struct {
	Name    string `json:"name" minLength:"1"`
	Value   string `json:"value"`
	IsRegex bool   `json:"is_regex" required:"false"`
}

// Normalize checks a silence: matchers that compile, and an end after its start.
func (s *Silence) Normalize() error {
	var p Problems
	if len(s.Matchers) == 0 {
		p.Add("matchers", "at least one: a silence of everything is not a silence")
	}
	for i, m := range s.Matchers {
		if m.Name == "" {
			p.Add("matchers", "[%d]: a label name is required", i)
		}
		if m.IsRegex {
			if _, err := regexp.Compile("^(?:" + m.Value + ")$"); err != nil {
				p.Add("matchers", "[%d]: %v", i, err)
			}
		}
	}
	if !s.Ends.After(s.Starts) {
		p.Add("ends", "must be after starts")
	}
	if strings.TrimSpace(s.Comment) == "" {
		p.Add("comment", "is required: why the alerts are muted")
	}
	return p.Err()
}

// Matches reports whether the silence, in force at now, matches labels.
func (s *Silence) Matches(labels map[string]string, now time.Time) bool {
	if now.Before(s.Starts) || !now.Before(s.Ends) {
		return false
	}
	for _, m := range s.Matchers {
		v := labels[m.Name]
		if m.IsRegex {
			re, err := regexp.Compile("^(?:" + m.Value + ")$")
			if err != nil || !re.MatchString(v) {
				return false
			}
		} else if v != m.Value {
			return false
		}
	}
	return true
}

// MarkSilenced sets Silenced on the alerts one of silences matches at now. A silence matches an
// alert's labels with its name (alertname) and severity added, as Alertmanager sees them.
func MarkSilenced(alerts []Alert, silences []Silence, now time.Time) {
	for i := range alerts {
		labels := map[string]string{"alertname": alerts[i].Name, "severity": alerts[i].Severity}
		for k, v := range alerts[i].Labels {
			labels[k] = v
		}
		for j := range silences {
			if silences[j].Matches(labels, now) {
				alerts[i].Silenced = true
				break
			}
		}
	}
}

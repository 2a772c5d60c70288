package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// TestAlertEpisodes: an alert's state is saved on its open episode; resolving closes it, and the
// next sight starts a new one, so the history is kept. Lists filter by state, severity and
// acknowledgement; an acknowledgement needs a reason and goes into the change log.
func TestAlertEpisodes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "user:olga", Role: dcim.RoleOperator, CanWrite: true})
		t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		v := 31.5
		a := dcim.Alert{Fingerprint: "fp1", Name: "InletTooHot", State: "pending", Severity: "warning",
			Labels: map[string]string{"rack": "A01"}, Annotations: map[string]string{"summary": "A01 inlet 31.5 °C"}, Since: t0, Value: &v,
			Object: &dcim.ObjectRef{Type: dcim.TypeRack, ID: 7}}
		id1, err := st.SaveAlert(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		fired := t0.Add(5 * time.Minute)
		a.State, a.FiredAt = "firing", &fired
		if id, err := st.SaveAlert(ctx, a); err != nil || id != id1 {
			t.Fatalf("firing saved as %d (%v), want the same episode %d", id, err, id1)
		}
		got, err := st.Alert(ctx, id1)
		if err != nil || got.State != "firing" || got.FiredAt == nil || !got.FiredAt.Equal(fired) || got.Labels["rack"] != "A01" ||
			got.Object == nil || got.Object.ID != 7 || got.Value == nil || *got.Value != 31.5 {
			t.Fatalf("alert %+v %v", got, err)
		}
		resolved := t0.Add(20 * time.Minute)
		a.State, a.ResolvedAt = "resolved", &resolved
		if _, err := st.SaveAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
		// It comes back: a new episode.
		a2 := dcim.Alert{Fingerprint: "fp1", Name: "InletTooHot", State: "firing", Severity: "warning", Labels: a.Labels,
			Annotations: a.Annotations, Since: t0.Add(time.Hour), FiredAt: ptr(t0.Add(time.Hour))}
		id2, err := st.SaveAlert(ctx, a2)
		if err != nil || id2 == id1 {
			t.Fatalf("second episode %d (%v)", id2, err)
		}
		if _, err := st.SaveAlert(ctx, dcim.Alert{Fingerprint: "fp2", Name: "FeedLost", State: "firing", Severity: "critical",
			Labels: map[string]string{}, Annotations: map[string]string{}, Since: t0}); err != nil {
			t.Fatal(err)
		}
		count := func(f map[string][]string) int {
			t.Helper()
			p, err := st.Alerts(ctx, dcim.ListQuery{Filters: f})
			if err != nil {
				t.Fatal(err)
			}
			return p.Count
		}
		if n := count(nil); n != 3 {
			t.Errorf("%d episodes, want 3", n)
		}
		if n := count(map[string][]string{"state": {"active"}}); n != 2 {
			t.Errorf("%d active, want 2", n)
		}
		if n := count(map[string][]string{"severity": {"critical"}}); n != 1 {
			t.Errorf("%d critical, want 1", n)
		}
		if _, err := st.Alerts(ctx, dcim.ListQuery{Filters: map[string][]string{"colour": {"red"}}}); dcim.ErrorCode(err) != dcim.EInvalid {
			t.Errorf("unknown filter: %v", err)
		}
		if _, err := st.AckAlert(ctx, id2, " "); dcim.ErrorCode(err) != dcim.EInvalid {
			t.Errorf("ack without a reason: %v", err)
		}
		acked, err := st.AckAlert(ctx, id2, "fan replaced, watching")
		if err != nil || acked.Ack == nil || acked.Ack.By != "user:olga" || acked.Ack.Comment != "fan replaced, watching" {
			t.Fatalf("ack %+v %v", acked.Ack, err)
		}
		if n := count(map[string][]string{"acked": {"false"}, "state": {"active"}}); n != 1 {
			t.Errorf("%d active unacknowledged, want 1", n)
		}
		ch, err := st.Changes(ctx, dcim.ListQuery{Filters: map[string][]string{"object_type": {"alert"}}})
		if err != nil || ch.Count != 1 || ch.Results[0].Actor != "user:olga" {
			t.Errorf("change log of the ack: %+v %v", ch.Results, err)
		}
	})
}

// TestSilences: a silence needs matchers, a valid pattern and an end after its start; it matches
// by equality and anchored regular expression while in force; expiring it ends it now.
func TestSilences(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "user:olga", Role: dcim.RoleOperator, CanWrite: true})
		now := time.Now().UTC()
		for _, bad := range []dcim.Silence{
			{Starts: now, Ends: now.Add(time.Hour), Comment: "x"},
			{Matchers: []dcim.LabelMatcher{{Name: "rack", Value: "A(", IsRegex: true}}, Starts: now, Ends: now.Add(time.Hour), Comment: "x"},
			{Matchers: []dcim.LabelMatcher{{Name: "rack", Value: "A01"}}, Starts: now, Ends: now, Comment: "x"},
			{Matchers: []dcim.LabelMatcher{{Name: "rack", Value: "A01"}}, Starts: now, Ends: now.Add(time.Hour), Comment: "  "},
		} {
			if _, err := st.CreateSilence(ctx, bad); dcim.ErrorCode(err) != dcim.EInvalid {
				t.Errorf("silence %+v: %v", bad, err)
			}
		}
		sl, err := st.CreateSilence(ctx, dcim.Silence{Matchers: []dcim.LabelMatcher{{Name: "rack", Value: "A0[1-3]", IsRegex: true},
			{Name: "alertname", Value: "InletTooHot"}}, Starts: now.Add(-time.Minute), Ends: now.Add(time.Hour), Comment: "CRAH-2 service"})
		if err != nil || sl.CreatedBy != "user:olga" {
			t.Fatalf("silence %+v %v", sl, err)
		}
		if !sl.Matches(map[string]string{"rack": "A02", "alertname": "InletTooHot"}, now) ||
			sl.Matches(map[string]string{"rack": "A04", "alertname": "InletTooHot"}, now) ||
			sl.Matches(map[string]string{"rack": "xA01", "alertname": "InletTooHot"}, now) ||
			sl.Matches(map[string]string{"rack": "A02", "alertname": "InletTooHot"}, now.Add(2*time.Hour)) {
			t.Error("silence matching")
		}
		if list, err := st.Silences(ctx, now); err != nil || len(list) != 1 {
			t.Fatalf("silences in force %d %v", len(list), err)
		}
		if err := st.ExpireSilence(ctx, sl.ID); err != nil {
			t.Fatal(err)
		}
		if list, err := st.Silences(ctx, time.Now().UTC().Add(time.Second)); err != nil || len(list) != 0 {
			t.Errorf("after expiry %d %v", len(list), err)
		}
		if err := st.ExpireSilence(ctx, sl.ID); dcim.ErrorCode(err) != dcim.ENotFound {
			t.Errorf("expire again: %v", err)
		}
	})
}

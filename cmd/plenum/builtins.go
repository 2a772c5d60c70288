package main

import (
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/collect"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/telemetry"
)

// builtinRules are the alert rules Plenum derives from its own state and model, so that every
// poll target, meter, inlet sensor, power node and rack is covered with no rule to write.
func builtinRules(st *store.Store, ts *telemetry.Store, chains *power.Service, health func() []collect.Health,
	forecastDays int, staleAfter time.Duration) []alert.Rule {
	if forecastDays <= 0 {
		forecastDays = 60
	}
	if staleAfter <= 0 {
		staleAfter = 10 * time.Minute
	}
	rules := []alert.Rule{alert.PollTargetDown(health), alert.MeterGap(st, 3*time.Hour)}
	if ts != nil {
		rules = append(rules, alert.StaleSeries(ts.StaleSeries, health, staleAfter))
	}
	rules = append(rules, alert.ThermalEnvelope(st)...)
	rules = append(rules, alert.PowerRules(st, chains.Site)...)
	rules = append(rules, alert.CapacityForecast(roomOutlooks(st, capacity.NewService(st), chains), time.Duration(forecastDays)*24*time.Hour))
	return rules
}

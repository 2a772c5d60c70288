package telemetry

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Inventory is what binding series to the model needs of it: sites by name, and a site's devices by
// name; the store implements it.
type Inventory interface {
	SiteIDsByName(ctx context.Context) (map[string]int64, error)
	DeviceIDsByName(ctx context.Context, siteID int64, names []string) (map[string]int64, error)
}

// UnboundSeries is a series that names no inventory object it could be joined on.
type UnboundSeries struct {
	Labels map[string]string `json:"labels" doc:"the series, its metric name under __name__"`
	Reason string            `json:"reason"`
}

// Unbound lists the series with samples between since and now that the analysis cannot join on
// the inventory: no site label, a site that does not exist, or a device that site does not have.
func (s *Store) Unbound(ctx context.Context, inv Inventory, since, now time.Time) ([]UnboundSeries, error) {
	series, err := s.SeriesSince(ctx, since, now)
	if err != nil {
		return nil, err
	}
	siteID, err := inv.SiteIDsByName(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64][]string{} // per site, the device names the series use
	for _, l := range series {
		if id, ok := siteID[l["site"]]; ok && l["device"] != "" && !slices.Contains(names[id], l["device"]) {
			names[id] = append(names[id], l["device"])
		}
	}
	known := map[int64]map[string]int64{}
	for id, ns := range names {
		if known[id], err = inv.DeviceIDsByName(ctx, id, ns); err != nil {
			return nil, err
		}
	}
	out := []UnboundSeries{}
	for _, l := range series {
		id, ok := siteID[l["site"]]
		var reason string
		switch {
		case l["site"] == "":
			reason = "no site label"
		case !ok:
			reason = fmt.Sprintf("no site named %q", l["site"])
		case l["device"] != "" && known[id][l["device"]] == 0:
			reason = fmt.Sprintf("no device named %q in site %q", l["device"], l["site"])
		default:
			continue
		}
		out = append(out, UnboundSeries{Labels: l, Reason: reason})
	}
	return out, nil
}

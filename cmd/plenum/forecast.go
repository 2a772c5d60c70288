package main

import (
	"context"
	"sort"
	"time"

	"github.com/plenum-dcim/plenum/internal/alert"
	"github.com/plenum-dcim/plenum/internal/capacity"
	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

// forecastDays is the history the capacity forecast draws its line through.
const forecastDays = 30

// roomOutlooks gives the capacity forecast every room's last 30 days of space (replayed from the
// change log), and of IT power (its IT meters' daily peaks) as power and as heat, with the limits
// the capacity roll-up has for the room now.
func roomOutlooks(st *store.Store, caps *capacity.Service, chains *power.Service) alert.OutlookSource {
	return func(ctx context.Context, now time.Time) ([]alert.RoomOutlook, error) {
		sites, err := st.SiteIDsByName(ctx)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(sites))
		for n := range sites {
			names = append(names, n)
		}
		sort.Strings(names)
		var out []alert.RoomOutlook
		from := now.AddDate(0, 0, -forecastDays)
		for _, name := range names {
			id := sites[name]
			cs, _, err := caps.Site(ctx, id)
			if err != nil {
				return nil, err
			}
			ps, err := chains.Site(ctx, id)
			if err != nil {
				ps = nil // a chain that does not build has no power or cooling figures; space still counts
			}
			space, err := st.SpaceHistory(ctx, id, from, now)
			if err != nil {
				return nil, err
			}
			peaks, err := st.RoomITPeaks(ctx, id, from, now)
			if err != nil {
				return nil, err
			}
			used, err := store.UsedDays(space)
			if err != nil {
				return nil, err
			}
			rooms := map[int64]string{}
			for _, d := range space {
				rooms[d.RoomID] = d.Room
			}
			ids := make([]int64, 0, len(rooms))
			for r := range rooms {
				ids = append(ids, r)
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			for _, r := range ids {
				sum := capacity.Summarize(cs, ps, capacity.Scope{Type: dcim.TypeRoom, ID: r}, power.Allocated, now)
				out = append(out, alert.RoomOutlook{Site: name, Room: rooms[r], Resource: "space", Unit: "U", Limit: sum.Space.Units, Days: used[r]})
				if p := peaks[r]; len(p) > 0 {
					if sum.Power.BudgetKW != nil {
						out = append(out, alert.RoomOutlook{Site: name, Room: rooms[r], Resource: "power", Unit: "kW", Limit: *sum.Power.BudgetKW, Days: p})
					}
					if sum.Cooling.CapacityKW > 0 {
						out = append(out, alert.RoomOutlook{Site: name, Room: rooms[r], Resource: "cooling", Unit: "kW", Limit: sum.Cooling.CapacityKW, Days: p})
					}
				}
			}
		}
		return out, nil
	}
}

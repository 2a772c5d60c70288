package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// TestThermalClasses: the store starts with ASHRAE's classes (5th edition); a room is A1 unless it
// says otherwise, and must name a class that exists; a class in use keeps its name and stays.
func TestThermalClasses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := dcim.WithActor(context.Background(), dcim.Actor{Name: "user:olga", Role: dcim.RoleOperator, CanWrite: true})
		classes, err := st.ThermalClasses().List(ctx, dcim.ListQuery{Limit: 100, Ordering: "name"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]float64{"A1": {15, 32}, "A2": {10, 35}, "A3": {5, 40}, "A4": {5, 45}, "H1": {5, 25}}
		if len(classes.Results) != len(want) {
			t.Fatalf("%d classes, want %d", len(classes.Results), len(want))
		}
		var a1 dcim.ThermalClass
		for _, c := range classes.Results {
			if w := want[c.Name]; c.AllowableMinC != w[0] || c.AllowableMaxC != w[1] {
				t.Errorf("%s allowable %g–%g, want %v", c.Name, c.AllowableMinC, c.AllowableMaxC, w)
			}
			if c.Name == "A1" {
				a1 = c
			}
		}
		if a1.RecommendedMinC != 18 || a1.RecommendedMaxC != 27 || *a1.AllowableDewPointMaxC != 17 || *a1.AllowableRHMax != 80 ||
			*a1.RecommendedRHMax != 70 || *a1.RecommendedDewPointMinC != -9 {
			t.Errorf("A1 %+v", a1)
		}

		site, err := st.Sites().Create(ctx, dcim.Site{Name: "Cyberjaya"})
		if err != nil {
			t.Fatal(err)
		}
		room, err := st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: "Hall 1"})
		if err != nil || room.ThermalClass != "A1" {
			t.Fatalf("room %+v %v, want class A1 by default", room, err)
		}
		var de *dcim.Error
		if _, err := st.Rooms().Create(ctx, dcim.Room{SiteID: site.ID, Name: "Hall 2", ThermalClass: "B7"}); !errors.As(err, &de) ||
			de.Code != dcim.EInvalid || de.Fields[0].Field != "thermal_class" {
			t.Fatalf("unknown class: %v", err)
		}
		lab, err := st.ThermalClasses().Create(ctx, dcim.ThermalClass{Name: "Lab", RecommendedMinC: 20, RecommendedMaxC: 24, AllowableMinC: 15, AllowableMaxC: 30})
		if err != nil {
			t.Fatal(err)
		}
		room.ThermalClass = "Lab"
		if room, err = st.Rooms().Update(ctx, room.ID, room); err != nil || room.ThermalClass != "Lab" {
			t.Fatalf("room to Lab: %+v %v", room, err)
		}
		lab.Name = "Lab 2"
		if _, err := st.ThermalClasses().Update(ctx, lab.ID, lab); !errors.As(err, &de) || de.Code != dcim.EConflict || len(de.Dependents) != 1 {
			t.Fatalf("renaming a class in use: %v", err)
		}
		if err := st.ThermalClasses().Delete(ctx, lab.ID); !errors.As(err, &de) || de.Code != dcim.EConflict {
			t.Fatalf("deleting a class in use: %v", err)
		}
		if _, err := st.ThermalClasses().Create(ctx, dcim.ThermalClass{Name: "Bad", RecommendedMinC: 10, RecommendedMaxC: 40, AllowableMinC: 15, AllowableMaxC: 32}); !errors.As(err, &de) ||
			de.Code != dcim.EInvalid {
			t.Fatalf("recommended wider than allowable: %v", err)
		}
		room.ThermalClass = "A2"
		if _, err := st.Rooms().Update(ctx, room.ID, room); err != nil {
			t.Fatal(err)
		}
		if err := st.ThermalClasses().Delete(ctx, lab.ID); err != nil {
			t.Fatalf("deleting a class no room uses: %v", err)
		}
	})
}

package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
	"github.com/plenum-dcim/plenum/internal/web/elevation"
)

type elevationInput struct {
	ID   int64  `path:"id" minimum:"1"`
	Face string `query:"face" enum:"front,rear" default:"front"`
}

type svgOutput struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

func registerElevation(api huma.API, s *store.Store) {
	huma.Register(api, huma.Operation{
		OperationID: "rack-elevation", Method: http.MethodGet, Path: Prefix + "/racks/{id}/elevation.svg", Tags: []string{"racks"},
		Summary:     "Rack elevation drawing (SVG)",
		Description: "One face of the rack: units numbered, devices at their positions with name and type, full-depth devices of the other face shown behind, 0-U devices on the sides, reserved units marked.",
		Responses: map[string]*huma.Response{"200": {Description: "SVG image", Content: map[string]*huma.MediaType{
			"image/svg+xml": {Schema: &huma.Schema{Type: "string"}}}}},
	}, func(ctx context.Context, in *elevationInput) (*svgOutput, error) {
		input, err := elevationOf(ctx, s, in.ID, in.Face)
		if err != nil {
			return nil, problem(err)
		}
		var buf bytes.Buffer
		if err := elevation.Render(&buf, input); err != nil {
			return nil, problem(err)
		}
		return &svgOutput{ContentType: "image/svg+xml", CacheControl: "no-cache", Body: buf.Bytes()}, nil
	})
}

// elevationOf gathers one rack's devices, their types and the reservations for the drawing.
func elevationOf(ctx context.Context, s *store.Store, rackID int64, face string) (elevation.Input, error) {
	in := elevation.Input{Face: face}
	rack, err := s.Racks().Get(ctx, rackID)
	if err != nil {
		return in, err
	}
	in.Rack = rack
	in.Now = timeNow()
	byRack := map[string][]string{"rack_id": {strconv.FormatInt(rackID, 10)}}
	devs, err := s.Devices().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: byRack})
	if err != nil {
		return in, err
	}
	res, err := s.RackReservations().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: byRack})
	if err != nil {
		return in, err
	}
	in.Reservations = res.Results
	types := map[int64]dcim.DeviceType{}
	makers := map[int64]string{}
	tenants := map[int64]string{}
	for _, d := range devs.Results {
		dt, ok := types[d.DeviceTypeID]
		if !ok {
			if dt, err = s.DeviceTypes().Get(ctx, d.DeviceTypeID); err != nil {
				return in, err
			}
			types[d.DeviceTypeID] = dt
			if _, ok := makers[dt.ManufacturerID]; !ok {
				m, err := s.Manufacturers().Get(ctx, dt.ManufacturerID)
				if err != nil {
					return in, err
				}
				makers[dt.ManufacturerID] = m.Name
			}
		}
		it := elevation.Item{Device: d, TypeName: makers[dt.ManufacturerID] + " " + dt.Model, UHeight: dt.UHeight, FullDepth: dt.IsFullDepth}
		if d.TenantID != nil {
			name, ok := tenants[*d.TenantID]
			if !ok {
				t, err := s.Tenants().Get(ctx, *d.TenantID)
				if err != nil {
					return in, err
				}
				name, tenants[*d.TenantID] = t.Name, t.Name
			}
			it.TenantName = name
		}
		in.Items = append(in.Items, it)
	}
	return in, nil
}

package httpapi

import (
	"bytes"
	"context"
	"net/http"

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
	tenant, limited := dcim.ActorFrom(ctx).Tenant()
	if limited { // a tenant user draws its own racks only
		if _, err := s.Racks().Get(ctx, rackID); err != nil {
			return elevation.Input{}, err
		}
	}
	v, err := s.RackView(ctx, rackID)
	if err != nil {
		return elevation.Input{}, err
	}
	in := elevation.Input{Rack: v.Rack, Face: face, Now: timeNow()}
	for _, r := range v.Reservations {
		if limited && (r.TenantID == nil || *r.TenantID != tenant) {
			r.Description, r.TenantID = "reserved", nil // another's reservation: the units, not whose or why
		}
		in.Reservations = append(in.Reservations, r)
	}
	for _, d := range v.Devices {
		it := elevation.Item{Device: d.Device, TypeName: d.Manufacturer + " " + d.Model,
			UHeight: d.UHeight, FullDepth: d.FullDepth, TenantName: d.TenantName}
		if limited && d.Device.TenantID != nil && *d.Device.TenantID != tenant {
			// Another tenant's device in this rack: drawn as occupied space, nothing more.
			it.Device = dcim.Device{Meta: dcim.Meta{ID: 0}, Position: d.Device.Position, Face: d.Device.Face, RackID: d.Device.RackID}
			it.Device.Name, it.TypeName, it.TenantName = "occupied", "", ""
		}
		in.Items = append(in.Items, it)
	}
	return in, nil
}

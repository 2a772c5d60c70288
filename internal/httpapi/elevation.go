package httpapi

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

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
	v, err := s.RackView(ctx, rackID)
	if err != nil {
		return elevation.Input{}, err
	}
	in := elevation.Input{Rack: v.Rack, Face: face, Reservations: v.Reservations, Now: timeNow()}
	for _, d := range v.Devices {
		in.Items = append(in.Items, elevation.Item{Device: d.Device, TypeName: d.Manufacturer + " " + d.Model,
			UHeight: d.UHeight, FullDepth: d.FullDepth, TenantName: d.TenantName})
	}
	return in, nil
}

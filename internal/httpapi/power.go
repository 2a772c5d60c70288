package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/store"
)

type whatIfInput struct {
	Body struct {
		Failed             []int64 `json:"failed" required:"false" doc:"power nodes down (failed or under maintenance)"`
		FailedCoolingUnits []int64 `json:"failed_cooling_units" required:"false" doc:"cooling units down"`
		Basis              string  `json:"basis" required:"false" enum:"allocated,nameplate,measured" default:"allocated" doc:"the device draw to compute with; measured uses readings where there are some and allocations elsewhere"`
	}
}

type whatIfOutput struct {
	Body power.WhatIfResult
}

type n1Input struct {
	Site  int64  `query:"site" required:"true" minimum:"1" doc:"the site to sweep"`
	Basis string `query:"basis" enum:"allocated,nameplate,measured" default:"allocated"`
}

type n1Output struct {
	Body struct {
		SiteID       int64               `json:"site_id"`
		Basis        power.Basis         `json:"load_basis"`
		Nodes        int                 `json:"nodes" doc:"nodes swept"`
		SinglePoints []power.SinglePoint `json:"single_points" doc:"nodes whose failure alone darkens devices or overloads others, worst first"`
	}
}

func registerPower(api huma.API, s *store.Store, svc *power.Service) {
	huma.Register(api, huma.Operation{
		OperationID: "whatif", Method: http.MethodPost, Path: Prefix + "/whatif", Tags: []string{"power"},
		Summary: "What breaks if these nodes or cooling units go down",
		Description: "Devices that lose power, devices left on their last feed, nodes over a derated rating once the load has " +
			"failed over (per phase), and cooling zones whose running units no longer cover their heat load.",
		MaxBodyBytes: maxBody,
	}, func(ctx context.Context, in *whatIfInput) (*whatIfOutput, error) {
		if len(in.Body.Failed) == 0 && len(in.Body.FailedCoolingUnits) == 0 {
			return nil, problem(dcim.Invalid("failed", "name at least one power node (failed) or cooling unit (failed_cooling_units)"))
		}
		siteID := int64(0)
		sameSite := func(field string, site int64, what string) error {
			if siteID != 0 && site != siteID {
				return dcim.Invalid(field, "%s is in another site: a what-if looks at one site", what)
			}
			siteID = site
			return nil
		}
		for i, id := range in.Body.Failed {
			field := fmt.Sprintf("failed[%d]", i)
			n, err := s.PowerNodes().Get(ctx, id)
			if dcim.ErrorCode(err) == dcim.ENotFound {
				return nil, problem(dcim.Invalid(field, "power node %d does not exist", id))
			} else if err != nil {
				return nil, problem(err)
			}
			if err := sameSite(field, n.SiteID, "power node "+n.Name); err != nil {
				return nil, problem(err)
			}
		}
		for i, id := range in.Body.FailedCoolingUnits {
			field := fmt.Sprintf("failed_cooling_units[%d]", i)
			u, err := s.CoolingUnits().Get(ctx, id)
			if dcim.ErrorCode(err) == dcim.ENotFound {
				return nil, problem(dcim.Invalid(field, "cooling unit %d does not exist", id))
			} else if err != nil {
				return nil, problem(err)
			}
			if err := sameSite(field, u.SiteID, "cooling unit "+u.Name); err != nil {
				return nil, problem(err)
			}
		}
		site, err := svc.Site(ctx, siteID)
		if err != nil {
			return nil, problem(err)
		}
		res, err := site.WhatIf(in.Body.Failed, in.Body.FailedCoolingUnits, power.Basis(in.Body.Basis))
		if err != nil {
			return nil, problem(err)
		}
		return &whatIfOutput{Body: res}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "whatif-n-1", Method: http.MethodGet, Path: Prefix + "/whatif/n-1", Tags: []string{"power"},
		Summary: "Fail every power node of a site in turn: single points of failure and failover overloads, worst first",
	}, func(ctx context.Context, in *n1Input) (*n1Output, error) {
		if _, err := s.Sites().Get(ctx, in.Site); dcim.ErrorCode(err) == dcim.ENotFound {
			return nil, problem(dcim.Invalid("site", "site %d does not exist", in.Site))
		} else if err != nil {
			return nil, problem(err)
		}
		site, err := svc.Site(ctx, in.Site)
		if err != nil {
			return nil, problem(err)
		}
		out := &n1Output{}
		out.Body.SiteID, out.Body.Basis = in.Site, power.Basis(in.Basis)
		out.Body.SinglePoints = site.SweepN1(power.Basis(in.Basis))
		out.Body.Nodes = len(site.Model.Nodes)
		if out.Body.SinglePoints == nil {
			out.Body.SinglePoints = []power.SinglePoint{}
		}
		return out, nil
	})
}

type loadsInput struct {
	Site  int64  `query:"site" required:"true" minimum:"1"`
	Kind  string `query:"kind" enum:",utility,generator,transformer,switchgear,ats,sts,ups,pdu,rpp,panel,circuit,rack-pdu"`
	Basis string `query:"basis" enum:"allocated,nameplate,measured" default:"allocated"`
}

type loadsOutput struct {
	Body struct {
		SiteID int64            `json:"site_id"`
		Basis  power.Basis      `json:"load_basis"`
		Nodes  []power.NodeLoad `json:"nodes"`
	}
}

func registerLoads(api huma.API, s *store.Store, svc *power.Service) {
	huma.Register(api, huma.Operation{
		OperationID: "power-loads", Method: http.MethodGet, Path: Prefix + "/power-loads", Tags: []string{"power"},
		Summary: "The load of every power node of a site: kW, kVA, amperes per line, against its derated ratings, and its headroom after failover",
	}, func(ctx context.Context, in *loadsInput) (*loadsOutput, error) {
		if _, err := s.Sites().Get(ctx, in.Site); err != nil {
			return nil, problem(asInvalid(err, "site"))
		}
		site, err := svc.Site(ctx, in.Site)
		if err != nil {
			return nil, problem(err)
		}
		out := &loadsOutput{}
		out.Body.SiteID, out.Body.Basis = in.Site, power.Basis(in.Basis)
		out.Body.Nodes = site.Loads(power.Basis(in.Basis), in.Kind)
		if tenant, ok := dcim.ActorFrom(ctx).Tenant(); ok { // a tenant user sees its racks' PDUs only
			mine, err := s.TenantPowerNodes(ctx, tenant)
			if err != nil {
				return nil, problem(err)
			}
			out.Body.Nodes = slices.DeleteFunc(out.Body.Nodes, func(n power.NodeLoad) bool { return !mine[n.Node.ID] })
		}
		if out.Body.Nodes == nil {
			out.Body.Nodes = []power.NodeLoad{}
		}
		return out, nil
	})
}

package web

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/power"
	"github.com/plenum-dcim/plenum/internal/web/chain"
)

// powerData is the power chain view: the diagram, and after a what-if its impact.
type powerData struct {
	Site    dcim.Site
	Diagram []byte
	Failed  []dcim.ObjectRef
	Impact  *power.WhatIfResult
	Nodes   int
}

// powerChain draws the site's chain with every node's load; each node links to its what-if.
func (u *UI) powerChain(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	return u.chainPage(w, r, v, nil)
}

// whatIf fails the nodes named by ?fail= and draws what it does: the failed node, the nodes left
// without power, those over a rating after failover, with the devices dark or on their last feed.
func (u *UI) whatIf(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	var failed []int64
	for _, s := range r.URL.Query()["fail"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return "", dcim.Invalid("fail", "%q is not a power node id", s)
		}
		failed = append(failed, id)
	}
	if len(failed) == 0 {
		return "", dcim.Invalid("fail", "name a power node to fail: click one on the chain")
	}
	return u.chainPage(w, r, v, failed)
}

func (u *UI) chainPage(w http.ResponseWriter, r *http.Request, v *view, failed []int64) (string, error) {
	ctx := r.Context()
	site, err := u.pathSite(r)
	if err != nil {
		return "", err
	}
	id := site.ID
	ps, err := u.power.Site(ctx, id)
	if err != nil {
		return "", err
	}
	for _, f := range failed {
		if _, ok := ps.Graph.Node(f); !ok {
			return "", dcim.Invalid("fail", "power node %d is not in %s", f, site.Name)
		}
	}
	d := powerData{Site: site, Nodes: len(ps.Graph.Nodes())}
	base := ps.Base(power.Allocated)
	after := base
	state := map[int64]string{}
	if len(failed) > 0 {
		res, err := ps.WhatIf(failed, nil, power.Allocated)
		if err != nil {
			return "", err
		}
		d.Impact, d.Failed = &res, res.Failed
		down := map[int64]bool{}
		for _, f := range failed {
			down[f] = true
			state[f] = "failed"
		}
		after = ps.Graph.Compute(power.Scenario{Failed: down, Basis: power.Allocated})
		for _, o := range res.Overloaded {
			state[o.Node.ID] = "overloaded"
		}
	}
	in := chain.Input{Site: site.Name, Collapse: []string{"circuit", "rack-pdu"}, Inline: true}
	ids := make([]string, 0, d.Nodes)
	for _, n := range ps.Graph.Nodes() {
		ld := after.Load(n.ID)
		cn := chain.Node{ID: n.ID, Name: n.Name, Kind: string(n.Kind), Side: n.Side, LoadKW: ld.Watts / 1000,
			Href: fmt.Sprintf("/sites/%d/whatif?fail=%d", id, n.ID)}
		if n.RatedKW > 0 {
			rated := n.RatedKW
			cn.RatedKW = &rated
		}
		worst := -1.0
		for _, l := range after.Limits(n) {
			if l.Limit > 0 && l.Load/l.Limit > worst {
				worst = l.Load / l.Limit
			}
		}
		if worst >= 0 {
			cn.Load = &worst
		}
		switch {
		case state[n.ID] != "":
			cn.State = state[n.ID]
		case !ld.Alive && base.Load(n.ID).Alive:
			cn.State = "lost"
		}
		cn.Title = nodeTitle(n, ld, cn.Load)
		in.Nodes = append(in.Nodes, cn)
		ids = append(ids, strconv.FormatInt(n.ID, 10))
	}
	// The edges between the site's nodes.
	for start := 0; start < len(ids); start += 200 {
		chunk := ids[start:min(start+200, len(ids))]
		edges, err := u.store.PowerEdges().List(ctx, dcim.ListQuery{Limit: dcim.MaxLimit, Filters: map[string][]string{"from_id": chunk}})
		if err != nil {
			return "", err
		}
		for _, e := range edges.Results {
			in.Edges = append(in.Edges, chain.Edge{From: e.FromID, To: e.ToID, Standby: e.Priority > 0})
		}
	}
	var buf bytes.Buffer
	if err := chain.Render(&buf, in); err != nil {
		return "", err
	}
	d.Diagram = buf.Bytes()
	v.Title, v.Data = "Power chain", d
	v.Crumbs = []crumb{{"Sites", "/"}, {site.Name, fmt.Sprintf("/sites/%d", site.ID)}}
	if len(failed) > 0 {
		v.Title = "What if " + strings.Join(refNames(d.Failed), ", ") + " fails"
		v.Crumbs = append(v.Crumbs, crumb{"Power chain", fmt.Sprintf("/sites/%d/power", site.ID)})
	}
	return "power", nil
}

func refNames(refs []dcim.ObjectRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Name
	}
	slices.Sort(out)
	return out
}

// nodeTitle is a node's hover text.
func nodeTitle(n *power.Node, ld power.Load, share *float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s%s)\n%.1f kW", n.Name, n.Kind, map[bool]string{true: ", side " + n.Side, false: ""}[n.Side != ""], ld.Watts/1000)
	if n.RatedKW > 0 {
		fmt.Fprintf(&b, " of %.0f kW rated", n.RatedKW)
	}
	if share != nil {
		fmt.Fprintf(&b, "\n%.0f %% of its derated rating", *share*100)
	}
	if !ld.Alive {
		b.WriteString("\nno power")
	}
	b.WriteString("\nclick: what if it fails")
	return b.String()
}

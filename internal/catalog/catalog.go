// Package catalog reads device-type libraries (the NetBox devicetype-library YAML format) into
// Plenum's device types.
package catalog

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// Entry is one parsed file: the device type, its manufacturer's name, and what looked wrong but was
// still usable.
type Entry struct {
	Path         string
	Manufacturer string
	Type         dcim.DeviceType
	Warnings     []string
}

// FileProblem is a file that could not be used, or a warning about one, with the reason.
type FileProblem struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// The keys of the library's JSON schema (schema/devicetype.json and components.json). Component lists
// Plenum does not model yet are legal and skipped.
var (
	topKeys = []string{"manufacturer", "model", "slug", "part_number", "u_height", "is_full_depth", "airflow", "weight",
		"weight_unit", "front_image", "rear_image", "subdevice_role", "is_powered", "console-ports", "console-server-ports",
		"power-ports", "power-outlets", "interfaces", "front-ports", "rear-ports", "module-bays", "device-bays",
		"inventory-items", "description", "comments"}
	portKeys   = []string{"name", "label", "type", "maximum_draw", "allocated_draw"}
	outletKeys = []string{"name", "label", "type", "power_port", "feed_leg"}
)

// keyFor matches a key to a known one, forgiving the misspellings the library really contains
// (maximum-draw, maxium_draw): the value is real data an operator wants kept, so it is used and the
// file gets a warning rather than being dropped.
func keyFor(key string, known []string) (match string, exact bool) {
	if slices.Contains(known, key) {
		return key, true
	}
	norm := strings.ReplaceAll(strings.ToLower(key), "-", "_")
	for _, k := range known {
		if strings.ReplaceAll(k, "-", "_") == norm {
			return k, false
		}
	}
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(norm, strings.ReplaceAll(k, "-", "_")); d < bestD && len(k) > 4 {
			best, bestD = k, d
		}
	}
	return best, false
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// mapping is a YAML mapping with every key resolved against the known keys.
type mapping struct {
	values map[string]*yaml.Node
	where  string
	warn   *[]string
}

func newMapping(n *yaml.Node, where string, known []string, warn *[]string) (mapping, error) {
	if n.Kind != yaml.MappingNode {
		return mapping{}, fmt.Errorf("%s: expected a mapping, got %s", where, kindName(n))
	}
	m := mapping{values: map[string]*yaml.Node{}, where: where, warn: warn}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		match, exact := keyFor(key, known)
		switch {
		case exact:
		case match != "":
			*warn = append(*warn, fmt.Sprintf("%s%s (line %d): unknown key %q, did you mean %s? (value used as %s)", where, key, n.Content[i].Line, key, match, match))
		default:
			*warn = append(*warn, fmt.Sprintf("%s%s (line %d): unknown key %q ignored", where, key, n.Content[i].Line, key))
			continue
		}
		if _, dup := m.values[match]; dup && !exact {
			continue // the correctly spelt key wins over a misspelt one
		}
		m.values[match] = n.Content[i+1]
	}
	return m, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

func (m mapping) str(key string) (string, error) {
	n, ok := m.values[key]
	if !ok || n.Tag == "!!null" {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("%s%s (line %d): expected text, got %s", m.where, key, n.Line, kindName(n))
	}
	return n.Value, nil
}

func (m mapping) num(key string) (*float64, error) {
	n, ok := m.values[key]
	if !ok || n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("%s%s (line %d): expected a number, got %s", m.where, key, n.Line, kindName(n))
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("%s%s (line %d): expected a number, got %q", m.where, key, n.Line, n.Value)
	}
	return &v, nil
}

func (m mapping) integer(key string) (*int, error) {
	v, err := m.num(key)
	if err != nil || v == nil {
		return nil, err
	}
	if *v != math.Trunc(*v) {
		return nil, fmt.Errorf("%s%s (line %d): expected a whole number of watts, got %v", m.where, key, m.values[key].Line, *v)
	}
	i := int(*v)
	return &i, nil
}

func (m mapping) boolean(key string) (*bool, error) {
	n, ok := m.values[key]
	if !ok || n.Tag == "!!null" {
		return nil, nil
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		return nil, fmt.Errorf("%s%s (line %d): expected true or false, got %s", m.where, key, n.Line, kindName(n))
	}
	return &b, nil
}

func (m mapping) list(key string) ([]*yaml.Node, error) {
	n, ok := m.values[key]
	if !ok || n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s%s (line %d): expected a list, got %s", m.where, key, n.Line, kindName(n))
	}
	return n.Content, nil
}

// Parse reads one device-type file. The error names the file, the field and the reason.
func Parse(path string, data []byte) (Entry, error) {
	e := Entry{Path: path}
	fail := func(err error) (Entry, error) { return e, fmt.Errorf("%s: %w", path, err) }
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fail(fmt.Errorf("not valid YAML: %w", err))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return fail(fmt.Errorf("empty file"))
	}
	m, err := newMapping(doc.Content[0], "", topKeys, &e.Warnings)
	if err != nil {
		return fail(err)
	}
	t := &e.Type
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	var s string
	s, err = m.str("manufacturer")
	note(err)
	e.Manufacturer = strings.TrimSpace(s)
	s, err = m.str("model")
	note(err)
	t.Model = strings.TrimSpace(s)
	if e.Manufacturer == "" {
		errs = append(errs, "manufacturer: is required")
	}
	if t.Model == "" {
		errs = append(errs, "model: is required")
	}
	t.Slug, err = m.str("slug")
	note(err)
	t.PartNumber, err = m.str("part_number")
	note(err)
	t.Airflow, err = m.str("airflow")
	note(err)
	t.WeightUnit, err = m.str("weight_unit")
	note(err)
	t.SubdeviceRole, err = m.str("subdevice_role")
	note(err)
	t.Description, err = m.str("description")
	note(err)
	t.Comments, err = m.str("comments")
	note(err)
	h, err := m.num("u_height")
	note(err)
	if h != nil {
		t.UHeight = *h
	} else if err == nil {
		t.UHeight = 1 // NetBox's default
	}
	t.Weight, err = m.num("weight")
	note(err)
	full, err := m.boolean("is_full_depth")
	note(err)
	t.IsFullDepth = full == nil || *full // NetBox's default is full depth
	ports, err := m.list("power-ports")
	note(err)
	for i, pn := range ports {
		pm, err := newMapping(pn, fmt.Sprintf("power-ports[%d].", i), portKeys, &e.Warnings)
		if err != nil {
			note(err)
			continue
		}
		var p dcim.PowerPortTemplate
		p.Name, err = pm.str("name")
		note(err)
		p.Type, err = pm.str("type")
		note(err)
		p.MaximumDraw, err = pm.integer("maximum_draw")
		note(err)
		p.AllocatedDraw, err = pm.integer("allocated_draw")
		note(err)
		t.PowerPorts = append(t.PowerPorts, p)
	}
	outlets, err := m.list("power-outlets")
	note(err)
	for i, on := range outlets {
		om, err := newMapping(on, fmt.Sprintf("power-outlets[%d].", i), outletKeys, &e.Warnings)
		if err != nil {
			note(err)
			continue
		}
		var o dcim.PowerOutletTemplate
		o.Name, err = om.str("name")
		note(err)
		o.Type, err = om.str("type")
		note(err)
		o.PowerPort, err = om.str("power_port")
		note(err)
		o.FeedLeg, err = om.str("feed_leg")
		note(err)
		t.PowerOutlets = append(t.PowerOutlets, o)
	}
	for _, key := range []string{"console-ports", "console-server-ports", "interfaces", "front-ports", "rear-ports", "module-bays", "device-bays", "inventory-items"} {
		_, err := m.list(key)
		note(err)
	}
	if len(errs) > 0 {
		return fail(fmt.Errorf("%s", strings.Join(errs, "; ")))
	}
	if err := t.Normalize(); err != nil {
		return fail(err)
	}
	return e, nil
}

// Load reads every .yaml and .yml file under dir (the library root, its device-types folder, or one
// manufacturer's folder), in path order. A later file with the same manufacturer and model as an
// earlier one is a problem, not an entry. The error is only for a dir that cannot be read.
func Load(dir string, progress func(done, total int)) ([]Entry, []FileProblem, error) {
	root := dir
	if fi, err := os.Stat(filepath.Join(dir, "device-types")); err == nil && fi.IsDir() {
		root = filepath.Join(dir, "device-types")
	}
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read device types in %s: %w", dir, err)
	}
	files := make(map[string][]byte, len(paths))
	var problems []FileProblem
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			problems = append(problems, FileProblem{Path: p, Reason: err.Error()})
			continue
		}
		files[p] = b
	}
	entries, more := parseAll(files, progress)
	return entries, append(problems, more...), nil
}

func parseAll(files map[string][]byte, progress func(done, total int)) ([]Entry, []FileProblem) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var (
		entries  []Entry
		problems []FileProblem
		seen     = map[string]string{}
	)
	for i, p := range paths {
		e, err := Parse(p, files[p])
		switch {
		case err != nil:
			problems = append(problems, FileProblem{Path: p, Reason: strings.TrimPrefix(err.Error(), p+": ")})
		case seen[e.Manufacturer+"\x00"+e.Type.Model] != "":
			problems = append(problems, FileProblem{Path: p, Reason: fmt.Sprintf("duplicate of %s (%s %s)", seen[e.Manufacturer+"\x00"+e.Type.Model], e.Manufacturer, e.Type.Model)})
		default:
			seen[e.Manufacturer+"\x00"+e.Type.Model] = p
			entries = append(entries, e)
		}
		if progress != nil {
			progress(i+1, len(paths))
		}
	}
	return entries, problems
}

// Sink stores device types; the store implements it.
type Sink interface {
	UpsertDeviceType(ctx context.Context, manufacturer string, dt dcim.DeviceType) (created bool, err error)
}

// Report says what an import did: every file it could not use is named with the reason.
type Report struct {
	Files    int           `json:"files"`
	Created  int           `json:"created"`
	Updated  int           `json:"updated"`
	Problems []FileProblem `json:"problems"`
	Warnings []FileProblem `json:"warnings"`
}

// Import reads a library directory and creates or updates its device types, keyed by manufacturer and
// model. A file that does not fit is reported and the rest go on.
func Import(ctx context.Context, sink Sink, dir string, progress func(done, total int)) (Report, error) {
	entries, problems, err := Load(dir, nil)
	if err != nil {
		return Report{}, err
	}
	return store(ctx, sink, entries, problems, progress)
}

// ImportFiles is Import for files held in memory (the API's upload), keyed by path.
func ImportFiles(ctx context.Context, sink Sink, files map[string][]byte) (Report, error) {
	entries, problems := parseAll(files, nil)
	return store(ctx, sink, entries, problems, nil)
}

func store(ctx context.Context, sink Sink, entries []Entry, problems []FileProblem, progress func(done, total int)) (Report, error) {
	r := Report{Files: len(entries) + len(problems), Problems: problems, Warnings: []FileProblem{}}
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		for _, w := range e.Warnings {
			r.Warnings = append(r.Warnings, FileProblem{Path: e.Path, Reason: w})
		}
		created, err := sink.UpsertDeviceType(ctx, e.Manufacturer, e.Type)
		switch {
		case err != nil && dcim.AsError(err) == nil:
			return r, fmt.Errorf("%s: %w", e.Path, err) // the database failed, not the file
		case err != nil:
			r.Problems = append(r.Problems, FileProblem{Path: e.Path, Reason: err.Error()})
		case created:
			r.Created++
		default:
			r.Updated++
		}
		if progress != nil {
			progress(i+1, len(entries))
		}
	}
	sort.Slice(r.Problems, func(i, j int) bool { return r.Problems[i].Path < r.Problems[j].Path })
	if r.Problems == nil {
		r.Problems = []FileProblem{}
	}
	return r, nil
}

package demo

import (
	"context"
	"crypto/rand"
	_ "embed"
	"fmt"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

// Credential is a demo user's sign-in, printed when the demo starts.
type Credential struct {
	Name, Role, Tenant, Password string
}

// demoUsers are the demo's people: one of each role, and two tenants' portal users.
var demoUsers = []struct{ name, role, tenantSlug string }{
	{"admin", dcim.RoleAdmin, ""},
	{"operator", dcim.RoleOperator, ""},
	{"viewer", dcim.RoleViewer, ""},
	{"kopi", dcim.RoleTenant, "kopi-cloud-sdn-bhd"},
	{"bank", dcim.RoleTenant, "bank-petaling-berhad"},
}

// DefaultPassword is a demo user's password when the demo serves on a loopback address only:
// "plenum-demo-" and the name, easy for a person trying Plenum on their own machine.
func DefaultPassword(name string) string { return "plenum-demo-" + name }

// Users makes the demo's users where missing and returns their credentials. On a loopback address
// they get the default passwords; on any other address never: new users get random passwords, and
// a user still holding its default password (from an earlier loopback run) gets a random one.
// A user whose password someone changed keeps it, and its credential says so (Password empty).
func Users(ctx context.Context, st *store.Store, loopback bool) ([]Credential, error) {
	ctx = dcim.WithActor(ctx, dcim.Actor{Name: "demo", Role: dcim.RoleAdmin, CanWrite: true})
	var out []Credential
	for _, du := range demoUsers {
		c := Credential{Name: du.name, Role: du.role, Tenant: du.tenantSlug, Password: DefaultPassword(du.name)}
		if !loopback {
			c.Password = rand.Text()
		}
		u, err := st.UserByName(ctx, du.name)
		switch {
		case dcim.ErrorCode(err) == dcim.ENotFound:
			nu := dcim.User{Name: du.name, Role: du.role}
			if du.tenantSlug != "" {
				page, err := st.Tenants().List(ctx, dcim.ListQuery{Limit: 1, Filters: map[string][]string{"slug": {du.tenantSlug}}})
				if err != nil {
					return nil, err
				}
				if len(page.Results) == 0 {
					continue // not the demo facility's database
				}
				nu.TenantID = &page.Results[0].ID
			}
			if _, err := st.CreateUser(ctx, nu, c.Password); err != nil {
				return nil, fmt.Errorf("demo user %s: %w", du.name, err)
			}
		case err != nil:
			return nil, err
		default:
			still, err := st.PasswordIs(ctx, u.Name, DefaultPassword(u.Name))
			if err != nil {
				return nil, err
			}
			switch {
			case still && !loopback:
				if err := st.SetPassword(ctx, u.Name, c.Password); err != nil {
					return nil, err
				}
			case !still:
				c.Password = "" // changed by someone: theirs to know
			}
		}
		out = append(out, c)
	}
	return out, nil
}

//go:embed alerts.yml
var alertRules []byte

// AlertRules is the demo's rule file (Prometheus syntax): inlets above ASHRAE A1's recommended and
// allowable temperatures, which a couple of its warm racks raise.
func AlertRules() []byte { return alertRules }

package dcim

import (
	"regexp"
	"time"
)

// User is a person who signs in (issue #6). Their role says what they may do: admin
// (everything, users), operator (change the inventory, run what-ifs, acknowledge alerts), viewer
// (read everything), tenant (only their own tenant's objects, readings and bills).
type User struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role" enum:"admin,operator,viewer,tenant"`
	TenantID  *int64     `json:"tenant_id" doc:"the tenant a tenant user belongs to"`
	Disabled  bool       `json:"disabled"`
	Created   time.Time  `json:"created"`
	LastLogin *time.Time `json:"last_login"`
}

// TypeUser is the object type of users.
const TypeUser = "user"

// Roles are the roles of users.
var Roles = []string{RoleAdmin, RoleOperator, RoleViewer, RoleTenant}

var userName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,99}$`)

// Normalize checks the user on its own: a login name, a role, and a tenant exactly when the role
// is tenant.
func (u *User) Normalize() error {
	var p Problems
	if !userName.MatchString(u.Name) {
		p.Add("name", "%q: letters, digits and . _ @ - (1 to 100, not starting with punctuation)", u.Name)
	}
	oneOf(&p, "role", u.Role, Roles...)
	switch {
	case u.Role == "tenant" && u.TenantID == nil:
		p.Add("tenant_id", "a tenant user needs its tenant")
	case u.Role != "tenant" && u.TenantID != nil:
		p.Add("tenant_id", "only a tenant user has a tenant")
	}
	return p.Err()
}

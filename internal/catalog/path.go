package catalog

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// CheckPath checks a file path of an import (the API's and the web page's). The server reads
// nothing by it (the content comes with the request), but it names the file in reports and logs,
// so it must be what a library's relative path is: not empty, no absolute path or drive, no "..",
// no backslashes, no control characters.
func CheckPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("has no name")
	case len(p) > 1024:
		return fmt.Errorf("longer than 1024 characters")
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("has control characters")
	case strings.Contains(p, "\\"):
		return fmt.Errorf("use / between folders")
	case path.IsAbs(p) || (len(p) > 1 && p[1] == ':'):
		return fmt.Errorf("must be relative to the library")
	case slices.Contains(strings.Split(p, "/"), ".."):
		return fmt.Errorf("must not climb out of the library (..)")
	}
	return nil
}

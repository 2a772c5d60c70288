package collect

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ProfileFiles reads device profiles: the YAML files of embedded (under profiles/), then those of
// dir (if not empty), in that order, so that a file in dir can replace an embedded profile of the
// same name. Each file is decoded strictly (an unknown key is an error) into a new T and handed to
// add; an error names the file.
func ProfileFiles[T any](embedded fs.FS, dir string, add func(p *T) error) error {
	load := func(fsys fs.FS, name, shown string) error {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		p := new(T)
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(p); err != nil {
			return fmt.Errorf("profile %s: %w", shown, err)
		}
		if err := add(p); err != nil {
			return fmt.Errorf("profile %s: %w", shown, err)
		}
		return nil
	}
	files, _ := fs.Glob(embedded, "profiles/*.yaml")
	for _, f := range files {
		if err := load(embedded, f, f); err != nil {
			return err
		}
	}
	if dir == "" {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := load(os.DirFS(filepath.Dir(f)), filepath.Base(f), f); err != nil {
			return err
		}
	}
	return nil
}

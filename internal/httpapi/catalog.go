package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/catalog"
	"github.com/plenum-dcim/plenum/internal/dcim"
)

// CatalogFile is one device-type YAML file of an import.
type CatalogFile struct {
	Path    string `json:"path" minLength:"1" doc:"where the file came from, used in the report"`
	Content string `json:"content" doc:"the YAML text, NetBox devicetype-library format"`
}

type importInput struct {
	Body struct {
		Files []CatalogFile `json:"files" minItems:"1" maxItems:"10000"`
	}
}

func registerCatalog(api huma.API, sink catalog.Sink) {
	huma.Register(api, huma.Operation{
		OperationID: "import-device-types", Method: http.MethodPost, Path: Prefix + "/device-types/import", Tags: []string{"device-types"},
		Summary:      "Import device types from NetBox devicetype-library YAML files",
		Description:  "Idempotent: keyed by manufacturer and model. Every file that does not fit is named in problems, with the reason; the others are stored.",
		MaxBodyBytes: 64 << 20,
	}, func(ctx context.Context, in *importInput) (*bodyOutput[catalog.Report], error) {
		files := make(map[string][]byte, len(in.Body.Files))
		for i, f := range in.Body.Files {
			if err := catalog.CheckPath(f.Path); err != nil {
				return nil, problem(dcim.Invalid(fmt.Sprintf("files[%d].path", i), "%q: %v", f.Path, err))
			}
			if _, dup := files[f.Path]; dup {
				return nil, problem(dcim.Invalid(fmt.Sprintf("files[%d].path", i), "%q is given twice", f.Path))
			}
			files[f.Path] = []byte(f.Content)
		}
		r, err := catalog.ImportFiles(ctx, sink, files)
		if err != nil {
			return nil, problem(err)
		}
		return &bodyOutput[catalog.Report]{Body: r}, nil
	})
}

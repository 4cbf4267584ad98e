package escpos

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// TestCommandNamesAreTheVocabulary: every command byte of pkg/escposcmd
// has its name here, and nothing here is spelled anew.
func TestCommandNamesAreTheVocabulary(t *testing.T) {
	names := func(path, pkg string) map[string]string {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					v := ""
					if sel, ok := vs.Values[i].(*ast.SelectorExpr); ok {
						v = sel.X.(*ast.Ident).Name + "." + sel.Sel.Name
					}
					out[n.Name] = v
				}
			}
		}
		return out
	}
	vocab := names(filepath.Join("..", "..", "pkg", "escposcmd", "commands.go"), "escposcmd")
	here := names("commands.go", "escpos")
	for n := range vocab {
		if here[n] != "escposcmd."+n {
			t.Errorf("%s: %q here, want escposcmd.%s", n, here[n], n)
		}
	}
	for n := range here {
		if _, ok := vocab[n]; !ok {
			t.Errorf("%s is not in pkg/escposcmd", n)
		}
	}
}

// Package svgtree reads an SVG drawing back into a tree of elements, so that the tests of the
// drawing packages (chart, chain, floorplan) can check what they drew: where, with which class,
// saying what.
package svgtree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Node is an element of the drawing.
type Node struct {
	Name     string
	Attr     map[string]string
	Text     string // character data directly inside
	Children []*Node
	Parent   *Node
}

// Parse checks that svg is well-formed XML with one <svg> root, and returns that root.
func Parse(svg []byte) (*Node, error) {
	dec := xml.NewDecoder(bytes.NewReader(svg))
	root := &Node{}
	cur := root
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed: %w", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: x.Name.Local, Attr: map[string]string{}, Parent: cur}
			for _, a := range x.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			cur.Children = append(cur.Children, n)
			cur = n
		case xml.CharData:
			cur.Text += string(x)
		case xml.EndElement:
			cur = cur.Parent
		}
	}
	if len(root.Children) != 1 || root.Children[0].Name != "svg" {
		return nil, errors.New("the root is not one <svg>")
	}
	return root.Children[0], nil
}

// All returns the nodes under n (n included) that match, in document order.
func (n *Node) All(match func(*Node) bool) []*Node {
	var out []*Node
	var walk func(*Node)
	walk = func(m *Node) {
		if match(m) {
			out = append(out, m)
		}
		for _, c := range m.Children {
			walk(c)
		}
	}
	walk(n)
	return out
}

// Child is n's first child element of that name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// HasClass reports whether n's class list has c.
func (n *Node) HasClass(c string) bool {
	for _, f := range strings.Fields(n.Attr["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// Class returns the nodes under n (n included) whose class list has c.
func (n *Node) Class(c string) []*Node {
	return n.All(func(m *Node) bool { return m.HasClass(c) })
}

// FirstClass is the first node under n (n included) whose class list has c, or nil.
func (n *Node) FirstClass(c string) *Node {
	if cs := n.Class(c); len(cs) > 0 {
		return cs[0]
	}
	return nil
}

// Texts is the text of every <text> under n, joined by "|".
func (n *Node) Texts() string {
	var out []string
	for _, t := range n.All(func(m *Node) bool { return m.Name == "text" }) {
		out = append(out, t.Text)
	}
	return strings.Join(out, "|")
}

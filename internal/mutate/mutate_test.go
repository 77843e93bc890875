package mutate

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func loadSeeds(t *testing.T) []Seed {
	files, _ := filepath.Glob("../../testdata/apiserver/seeds/*.yaml")
	if len(files) == 0 {
		t.Fatal("no seeds")
	}
	var seeds []Seed
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		root, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		seeds = append(seeds, Seed{Name: strings.TrimSuffix(filepath.Base(f), ".yaml"), Root: root})
	}
	return seeds
}

func TestGenerateIsDeterministic(t *testing.T) {
	seeds := loadSeeds(t)
	a := Generate(seeds, 1)
	b := Generate(loadSeeds(t), 1)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	if c := Generate(seeds, 2); reflect.DeepEqual(a, c) {
		t.Error("another random seed gives the same mutants")
	}
	keys := map[string]bool{}
	classes := map[string]int{}
	for _, m := range a {
		if keys[m.Key()] {
			t.Errorf("mutant %s twice", m.Key())
		}
		keys[m.Key()] = true
		classes[m.Class]++
		// kubectl's YAML (go.yaml.in/yaml/v2 through sigs.k8s.io/yaml)
		// must read every mutant: they break Kubernetes, not YAML. Only
		// .inf and .NaN are meant to fail, in the JSON they become.
		var v any
		if err := yaml.Unmarshal(m.Doc, &v); err != nil && !(m.Class == "yaml11" && strings.Contains(err.Error(), "unsupported value")) {
			t.Errorf("%s: not YAML: %v\n%s", m.Key(), err, m.Doc)
		}
	}
	for _, c := range Classes {
		if classes[c] == 0 {
			t.Errorf("no mutant of class %s", c)
		}
	}
	// Every conflict, kind typo and status is tried somewhere.
	ids := map[string]bool{}
	for _, m := range a {
		ids[m.ID] = true
	}
	for class, names := range map[string][]string{
		"conflict": slices.Sorted(maps.Keys(conflicts)), "kind-typo": slices.Sorted(maps.Keys(kindTypos)), "status": slices.Sorted(maps.Keys(statuses)),
	} {
		for _, n := range names {
			if !ids[class+"/"+n] {
				t.Errorf("no mutant %s/%s", class, n)
			}
		}
	}
	t.Logf("%d mutants of %d seeds: %v", len(a), len(seeds), classes)
}

func TestYAMLRoundTrip(t *testing.T) {
	for _, s := range loadSeeds(t) {
		again, err := Parse(s.Root.YAML())
		if err != nil {
			t.Fatalf("%s: %v\n%s", s.Name, err, s.Root.YAML())
		}
		if !reflect.DeepEqual(again, s.Root) {
			t.Errorf("%s: the written YAML reads back differently:\n%s", s.Name, s.Root.YAML())
		}
	}
}

func TestEmitterWritesWhatEncodersRefuse(t *testing.T) {
	n := MustParse("a: 1\nb: [x]\n")
	n.Keys = append(n.Keys, Plain("a"))
	n.Vals = append(n.Vals, Plain("yes"))
	n.Get("b").Items = append(n.Get("b").Items, MustParse("{k: v, l: [1, 2]}"), EmptyMap())
	want := "a: 1\nb:\n  - x\n  - k: v\n    l:\n      - 1\n      - 2\n  - {}\na: yes\n"
	if got := string(n.YAML()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

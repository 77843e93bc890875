package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mljob/mljob/internal/finding"
	"github.com/mljob/mljob/internal/rules"
)

// SARIF 2.1.0 (OASIS), as GitHub code scanning reads it: the objects and
// properties mljob writes, nothing more. Optional properties are omitted
// when empty; everything is in a fixed order, so the output is
// byte-identical for the same findings.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// sarifSrcRoot is the base of relative artifact URIs: the directory
	// mljob ran in, which in CI is the repository root.
	sarifSrcRoot = "%SRCROOT%"
	// sarifFingerprint names mljob's partial fingerprint, versioned as
	// the spec asks (name/vN), so that a change in what it hashes can get
	// a new name rather than silently re-identify every result.
	sarifFingerprint = "mljobFinding/v1"
	mljobURI         = "https://github.com/mljob/mljob"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool sarifTool `json:"tool"`
	// Invocations is always one: whether mljob could use every input,
	// and the notifications of those it could not.
	Invocations []sarifInvocation `json:"invocations"`
	// Results is never null: an empty list says the scan found nothing.
	Results []sarifResult `json:"results"`
}

type sarifInvocation struct {
	// ExecutionSuccessful is false when an input could not be used: its
	// objects were not checked, so no results does not mean clean.
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

// sarifNotification is an input that could not be used, at its file.
type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

// sarifText is a message or a multiformatMessageString; mljob writes
// plain text only.
type sarifText struct {
	Text string `json:"text"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	// Engine is "go" or "rego" (mljob's own).
	Engine string `json:"engine,omitempty"`
	// ProblemSeverity is GitHub's problem.severity: error, warning or
	// recommendation; it orders alerts of non-security rules.
	ProblemSeverity string `json:"problem.severity"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          *sarifResultProps  `json:"properties,omitempty"`
}

type sarifResultProps struct {
	// Path is the Kubernetes field path, as in the JSON format.
	Path string `json:"path"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	// Kind is "object": a Kubernetes object is a JSON object, one of the
	// kinds the spec names.
	Kind string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string         `json:"kind"`
	Status        string         `json:"status"`
	Justification string         `json:"justification"`
	Location      *sarifLocation `json:"location,omitempty"`
}

// sarifLevel maps severities to SARIF levels: info is a note.
var sarifLevel = map[finding.Severity]string{finding.Error: "error", finding.Warning: "warning", finding.Info: "note"}

// githubSeverity maps severities to GitHub's problem.severity.
var githubSeverity = map[finding.Severity]string{finding.Error: "error", finding.Warning: "warning", finding.Info: "recommendation"}

// sarifSuppressionKind maps where a waiver is written: a config waiver is
// kept outside the analysed file, an annotation inside it.
var sarifSuppressionKind = map[string]string{"config": "external", "inline": "inSource"}

// writeSARIF writes one run of mljob. tool.driver.rules lists every
// registered rule (not only those with results), as code scanning wants
// rule metadata to change only with the tool; results point at them by
// id and index. Inputs that could not be used make the invocation
// unsuccessful, each a tool execution notification at its file.
func writeSARIF(w io.Writer, r *Report, opts Options) error {
	descs, index := sarifRules(r.ruleSet(), r.Findings)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "mljob",
			Version:        opts.ToolVersion,
			InformationURI: mljobURI,
			Rules:          descs,
		}},
		Results:     make([]sarifResult, 0, len(r.Findings)),
		Invocations: []sarifInvocation{{ExecutionSuccessful: len(r.Errors) == 0}},
	}
	for _, e := range r.Errors {
		n := sarifNotification{Level: "error", Message: sarifText{e.Message}}
		if p := sarifPhysical(e.File, e.Line, e.Column); p != nil {
			n.Locations = []sarifLocation{{PhysicalLocation: p}}
		}
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, n)
	}
	for _, f := range r.Findings {
		run.Results = append(run.Results, sarifResultOf(f, index[f.Rule]))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRules describes every rule of the run, sorted by id, and any rule
// a finding names that the run does not know (which would be a bug, but
// the report must still point every result at a rule).
func sarifRules(set *rules.Set, fs []finding.Finding) ([]sarifRule, map[string]int) {
	all := set.All()
	known := map[string]bool{}
	for _, m := range all {
		known[m.ID] = true
	}
	for _, f := range fs {
		if !known[f.Rule] {
			known[f.Rule] = true
			all = append(all, rules.Meta{ID: f.Rule, Title: f.Rule, Description: f.Rule,
				Remediation: "mljob rules lists every rule and how to fix its findings.", Severity: f.Severity})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	descs := make([]sarifRule, len(all))
	index := make(map[string]int, len(all))
	for i, m := range all {
		index[m.ID] = i
		descs[i] = sarifRule{
			ID:                   m.ID,
			Name:                 m.ID,
			ShortDescription:     sarifText{unwrap(m.Title)},
			FullDescription:      sarifText{unwrap(m.Description)},
			Help:                 sarifText{unwrap(m.Remediation)},
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel[m.Severity]},
			Properties:           sarifRuleProperty{Engine: m.Engine, ProblemSeverity: githubSeverity[m.Severity]},
		}
	}
	return descs, index
}

func sarifResultOf(f finding.Finding, ruleIndex int) sarifResult {
	loc := sarifLocation{PhysicalLocation: sarifPhysical(f.File, f.Line, f.Column)}
	if f.Object.Kind != "" || f.Object.Name != "" {
		loc.LogicalLocations = []sarifLogicalLocation{{Name: f.Object.Name, FullyQualifiedName: f.Object.String(), Kind: "object"}}
	}
	res := sarifResult{
		RuleID:    f.Rule,
		RuleIndex: ruleIndex,
		Level:     sarifLevel[f.Severity],
		// The object is part of the message: code scanning shows the
		// message as the alert's title, and a file holds many objects.
		Message:             sarifText{about(f)},
		Locations:           []sarifLocation{},
		PartialFingerprints: map[string]string{sarifFingerprint: fingerprint(f)},
	}
	if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
		res.Locations = append(res.Locations, loc)
	}
	if f.Path != "" {
		res.Properties = &sarifResultProps{Path: f.Path}
	}
	if s := f.Suppressed; s != nil {
		sup := sarifSuppression{Kind: sarifSuppressionKind[s.Kind], Status: "accepted", Justification: s.Reason}
		if sup.Kind == "" {
			sup.Kind = "external" // an unknown kind: not in the analysed file
		}
		if p := sarifPhysical(s.File, s.Line, 0); p != nil {
			sup.Location = &sarifLocation{PhysicalLocation: p}
		}
		res.Suppressions = []sarifSuppression{sup}
	}
	return res
}

// sarifPhysical locates a file position; nil without a file. Lines and
// columns are 1-based in SARIF as in mljob, and 0 (unknown) is left out.
func sarifPhysical(file string, line, col int) *sarifPhysicalLocation {
	if file == "" {
		return nil
	}
	p := &sarifPhysicalLocation{ArtifactLocation: artifactLocation(file)}
	if line > 0 {
		p.Region = &sarifRegion{StartLine: line, StartColumn: col}
	}
	return p
}

// artifactLocation turns a file name as mljob prints it into a URI: a
// relative path becomes a relative reference from %SRCROOT% (code
// scanning resolves it from the repository root), an absolute path a
// file: URI. Characters that are not allowed in URIs are escaped.
func artifactLocation(file string) sarifArtifactLocation {
	slashed := filepath.ToSlash(file)
	if filepath.IsAbs(file) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed // C:/x → file:///C:/x
		}
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: slashed}).String()}
	}
	return sarifArtifactLocation{URI: (&url.URL{Path: slashed}).String(), URIBaseID: sarifSrcRoot}
}

// fingerprint identifies a finding across runs whatever line it moves
// to: the rule, the file, the object and the field, and the message (two
// findings of one rule on one field differ only in it).
func fingerprint(f finding.Finding) string {
	h := sha256.New()
	for _, s := range []string{f.Rule, f.File, f.Object.APIVersion, f.Object.Kind, f.Object.Namespace, f.Object.Name, f.Path, f.Message} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

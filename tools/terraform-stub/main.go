// Command terraform-provider-google is a stand-in for the hashicorp/google provider, for offline
// validation only. It serves the real provider's schema (the output of `terraform providers schema
// -json`, gzipped) over plugin protocol 6, so that `terraform validate` checks every resource type,
// attribute name, type and nesting in infra/ against the real provider, and `terraform plan`
// resolves references and for_each keys: planned values mark computed attributes unknown, and data
// sources answer with placeholder values. It never talks to Google and refuses to apply anything.
//
// The schema file is named by FLEETPILOT_GOOGLE_PROVIDER_SCHEMA (a .json or .json.gz file).
package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

const providerAddress = "registry.terraform.io/hashicorp/google"

func main() {
	if err := tf6server.Serve(providerAddress, func() tfprotov6.ProviderServer { return newServer() }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// --- the provider schema JSON (format_version 1.0) ---

type jsonDocument struct {
	FormatVersion   string `json:"format_version"`
	ProviderSchemas map[string]struct {
		Provider                 *jsonSchema            `json:"provider"`
		ResourceSchemas          map[string]*jsonSchema `json:"resource_schemas"`
		DataSourceSchemas        map[string]*jsonSchema `json:"data_source_schemas"`
		EphemeralResourceSchemas map[string]*jsonSchema `json:"ephemeral_resource_schemas"`
	} `json:"provider_schemas"`
}

type jsonSchema struct {
	Version int64      `json:"version"`
	Block   *jsonBlock `json:"block"`
}

type jsonBlock struct {
	Attributes map[string]*jsonAttribute `json:"attributes"`
	BlockTypes map[string]*jsonBlockType `json:"block_types"`
	Deprecated bool                      `json:"deprecated"`
}

type jsonAttribute struct {
	Type       json.RawMessage `json:"type"`
	NestedType *jsonNestedType `json:"nested_type"`
	Required   bool            `json:"required"`
	Optional   bool            `json:"optional"`
	Computed   bool            `json:"computed"`
	Sensitive  bool            `json:"sensitive"`
	Deprecated bool            `json:"deprecated"`
	WriteOnly  bool            `json:"write_only"`
}

type jsonNestedType struct {
	Attributes  map[string]*jsonAttribute `json:"attributes"`
	NestingMode string                    `json:"nesting_mode"`
}

type jsonBlockType struct {
	NestingMode string     `json:"nesting_mode"`
	Block       *jsonBlock `json:"block"`
	MinItems    int64      `json:"min_items"`
	MaxItems    int64      `json:"max_items"`
}

// --- conversion to protocol 6 ---

// typedSchema is one resource's, data source's or the provider's schema in both forms: the
// protocol schema Terraform receives and the block with its value types, used to plan values.
type typedSchema struct {
	proto *tfprotov6.Schema
	block *block
}

type block struct {
	typ        tftypes.Object
	attributes map[string]*attribute
	blocks     map[string]*nestedBlock
}

type attribute struct {
	typ      tftypes.Type
	computed bool
	nested   *nestedAttributes
}

type nestedAttributes struct {
	mode  string
	block *block
}

type nestedBlock struct {
	mode  string
	block *block
}

func convertSchema(s *jsonSchema) (*typedSchema, error) {
	protoBlock, b, err := convertBlock(s.Block)
	if err != nil {
		return nil, err
	}
	return &typedSchema{proto: &tfprotov6.Schema{Version: s.Version, Block: protoBlock}, block: b}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func convertBlock(j *jsonBlock) (*tfprotov6.SchemaBlock, *block, error) {
	if j == nil {
		j = &jsonBlock{}
	}
	pb := &tfprotov6.SchemaBlock{Deprecated: j.Deprecated}
	b := &block{attributes: map[string]*attribute{}, blocks: map[string]*nestedBlock{}}
	types := map[string]tftypes.Type{}
	for _, name := range sortedKeys(j.Attributes) {
		pa, a, err := convertAttribute(name, j.Attributes[name])
		if err != nil {
			return nil, nil, err
		}
		pb.Attributes = append(pb.Attributes, pa)
		b.attributes[name] = a
		types[name] = a.typ
	}
	for _, name := range sortedKeys(j.BlockTypes) {
		jb := j.BlockTypes[name]
		inner, innerBlock, err := convertBlock(jb.Block)
		if err != nil {
			return nil, nil, fmt.Errorf("block %s: %w", name, err)
		}
		nb := &tfprotov6.SchemaNestedBlock{TypeName: name, Block: inner, MinItems: jb.MinItems, MaxItems: jb.MaxItems}
		switch jb.NestingMode {
		case "single":
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeSingle
			types[name] = innerBlock.typ
		case "group":
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeGroup
			types[name] = innerBlock.typ
		case "list":
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeList
			types[name] = tftypes.List{ElementType: innerBlock.typ}
		case "set":
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeSet
			types[name] = tftypes.Set{ElementType: innerBlock.typ}
		case "map":
			nb.Nesting = tfprotov6.SchemaNestedBlockNestingModeMap
			types[name] = tftypes.Map{ElementType: innerBlock.typ}
		default:
			return nil, nil, fmt.Errorf("block %s: unknown nesting mode %q", name, jb.NestingMode)
		}
		pb.BlockTypes = append(pb.BlockTypes, nb)
		b.blocks[name] = &nestedBlock{mode: jb.NestingMode, block: innerBlock}
	}
	b.typ = tftypes.Object{AttributeTypes: types}
	return pb, b, nil
}

func convertAttribute(name string, j *jsonAttribute) (*tfprotov6.SchemaAttribute, *attribute, error) {
	pa := &tfprotov6.SchemaAttribute{
		Name: name, Required: j.Required, Optional: j.Optional, Computed: j.Computed,
		Sensitive: j.Sensitive, Deprecated: j.Deprecated, WriteOnly: j.WriteOnly,
	}
	a := &attribute{computed: j.Computed}
	if j.NestedType != nil {
		obj := &tfprotov6.SchemaObject{}
		b := &block{attributes: map[string]*attribute{}, blocks: map[string]*nestedBlock{}}
		types := map[string]tftypes.Type{}
		for _, inner := range sortedKeys(j.NestedType.Attributes) {
			ip, ia, err := convertAttribute(inner, j.NestedType.Attributes[inner])
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", name, err)
			}
			obj.Attributes = append(obj.Attributes, ip)
			b.attributes[inner] = ia
			types[inner] = ia.typ
		}
		b.typ = tftypes.Object{AttributeTypes: types}
		switch j.NestedType.NestingMode {
		case "single":
			obj.Nesting, a.typ = tfprotov6.SchemaObjectNestingModeSingle, b.typ
		case "list":
			obj.Nesting, a.typ = tfprotov6.SchemaObjectNestingModeList, tftypes.List{ElementType: b.typ}
		case "set":
			obj.Nesting, a.typ = tfprotov6.SchemaObjectNestingModeSet, tftypes.Set{ElementType: b.typ}
		case "map":
			obj.Nesting, a.typ = tfprotov6.SchemaObjectNestingModeMap, tftypes.Map{ElementType: b.typ}
		default:
			return nil, nil, fmt.Errorf("%s: unknown nesting mode %q", name, j.NestedType.NestingMode)
		}
		pa.NestedType = obj
		a.nested = &nestedAttributes{mode: j.NestedType.NestingMode, block: b}
		return pa, a, nil
	}
	t, err := tftypes.ParseJSONType(j.Type) //nolint:staticcheck // the schema JSON carries cty JSON types
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	pa.Type, a.typ = t, t
	return pa, a, nil
}

// --- the server ---

type server struct {
	provider           *typedSchema
	resources          map[string]*typedSchema
	dataSources        map[string]*typedSchema
	ephemeralResources map[string]*typedSchema
}

func loadSchemas() (*server, error) {
	path := os.Getenv("FLEETPILOT_GOOGLE_PROVIDER_SCHEMA")
	if path == "" {
		return nil, fmt.Errorf("FLEETPILOT_GOOGLE_PROVIDER_SCHEMA must name the provider schema JSON (.json or .json.gz)")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = gz
	}
	var doc jsonDocument
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p, ok := doc.ProviderSchemas[providerAddress]
	if !ok {
		return nil, fmt.Errorf("%s has no schema for %s", path, providerAddress)
	}
	s := &server{resources: map[string]*typedSchema{}, dataSources: map[string]*typedSchema{}, ephemeralResources: map[string]*typedSchema{}}
	if s.provider, err = convertSchema(p.Provider); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	for into, from := range map[*map[string]*typedSchema]map[string]*jsonSchema{
		&s.resources: p.ResourceSchemas, &s.dataSources: p.DataSourceSchemas, &s.ephemeralResources: p.EphemeralResourceSchemas,
	} {
		for name, js := range from {
			ts, err := convertSchema(js)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			(*into)[name] = ts
		}
	}
	return s, nil
}

func newServer() tfprotov6.ProviderServer {
	s, err := loadSchemas()
	if err != nil {
		return &stub{err: err}
	}
	return &stub{s: s}
}

// stub serves the schemas; err (a schema that could not be read) is reported on every call, so
// Terraform shows it.
type stub struct {
	s   *server
	err error
}

func errorDiag(summary string, err error) []*tfprotov6.Diagnostic {
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail}}
}

func (p *stub) schemaFor(m map[string]*typedSchema, typeName string) (*typedSchema, []*tfprotov6.Diagnostic) {
	if p.err != nil {
		return nil, errorDiag("stand-in google provider: schema not loaded", p.err)
	}
	ts, ok := m[typeName]
	if !ok {
		return nil, errorDiag("stand-in google provider: unknown type "+typeName, nil)
	}
	return ts, nil
}

func (p *stub) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	if p.err != nil {
		return &tfprotov6.GetMetadataResponse{Diagnostics: errorDiag("stand-in google provider: schema not loaded", p.err)}, nil
	}
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{PlanDestroy: true}}
	for _, name := range sortedKeys(p.s.resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(p.s.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(p.s.ephemeralResources) {
		resp.EphemeralResources = append(resp.EphemeralResources, tfprotov6.EphemeralResourceMetadata{TypeName: name})
	}
	return resp, nil
}

func protoSchemas(m map[string]*typedSchema) map[string]*tfprotov6.Schema {
	out := make(map[string]*tfprotov6.Schema, len(m))
	for name, ts := range m {
		out[name] = ts.proto
	}
	return out
}

func (p *stub) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	if p.err != nil {
		return &tfprotov6.GetProviderSchemaResponse{Diagnostics: errorDiag("stand-in google provider: schema not loaded", p.err)}, nil
	}
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities:       &tfprotov6.ServerCapabilities{PlanDestroy: true},
		Provider:                 p.s.provider.proto,
		ResourceSchemas:          protoSchemas(p.s.resources),
		DataSourceSchemas:        protoSchemas(p.s.dataSources),
		EphemeralResourceSchemas: protoSchemas(p.s.ephemeralResources),
		Functions:                map[string]*tfprotov6.Function{},
	}, nil
}

func (p *stub) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

func (p *stub) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	if p.err != nil {
		return &tfprotov6.ValidateProviderConfigResponse{Diagnostics: errorDiag("stand-in google provider: schema not loaded", p.err)}, nil
	}
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

func (p *stub) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (p *stub) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

// Terraform itself checks configuration against the schema (names, types, required, nesting and
// item counts); the real provider's own validators (enums, formats) are not reproduced.
func (p *stub) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	_, diags := p.schemaFor(p.resourcesMap(), req.TypeName)
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: diags}, nil
}

func (p *stub) ValidateDataResourceConfig(_ context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	_, diags := p.schemaFor(p.dataSourcesMap(), req.TypeName)
	return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: diags}, nil
}

func (p *stub) ValidateEphemeralResourceConfig(_ context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	_, diags := p.schemaFor(p.ephemeralMap(), req.TypeName)
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: diags}, nil
}

func (p *stub) resourcesMap() map[string]*typedSchema {
	if p.s == nil {
		return nil
	}
	return p.s.resources
}

func (p *stub) dataSourcesMap() map[string]*typedSchema {
	if p.s == nil {
		return nil
	}
	return p.s.dataSources
}

func (p *stub) ephemeralMap() map[string]*typedSchema {
	if p.s == nil {
		return nil
	}
	return p.s.ephemeralResources
}

func (p *stub) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	ts, diags := p.schemaFor(p.resourcesMap(), req.TypeName)
	if diags != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: diags}, nil
	}
	val, err := req.RawState.UnmarshalWithOpts(ts.block.typ, tfprotov6.UnmarshalOpts{ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}})
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("stand-in google provider: unreadable state", err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(ts.block.typ, val)
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("stand-in google provider: state", err)}, nil
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

func (p *stub) UpgradeResourceIdentity(context.Context, *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: errorDiag("stand-in google provider: resource identities are not supported", nil)}, nil
}

func (p *stub) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange plans a create as Terraform proposed it, with every computed attribute that
// the configuration leaves null marked unknown ("known after apply"), as the real provider does.
func (p *stub) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	ts, diags := p.schemaFor(p.resourcesMap(), req.TypeName)
	if diags != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: diags}, nil
	}
	proposed, err := req.ProposedNewState.Unmarshal(ts.block.typ)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("stand-in google provider: proposed state", err)}, nil
	}
	prior, err := req.PriorState.Unmarshal(ts.block.typ)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("stand-in google provider: prior state", err)}, nil
	}
	planned := proposed
	if !proposed.IsNull() && prior.IsNull() {
		planned = mapComputedNulls(ts.block, proposed, func(t tftypes.Type, _ string) tftypes.Value { return tftypes.NewValue(t, tftypes.UnknownValue) })
	}
	dv, err := tfprotov6.NewDynamicValue(ts.block.typ, planned)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("stand-in google provider: planned state", err)}, nil
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: &dv, PlannedPrivate: req.PriorPrivate}, nil
}

// mapComputedNulls replaces each computed attribute that is null in val (at any depth of nested
// blocks) with fill(type, name).
func mapComputedNulls(b *block, val tftypes.Value, fill func(tftypes.Type, string) tftypes.Value) tftypes.Value {
	if val.IsNull() || !val.IsKnown() {
		return val
	}
	var fields map[string]tftypes.Value
	if err := val.As(&fields); err != nil {
		return val
	}
	out := make(map[string]tftypes.Value, len(fields))
	for name, v := range fields {
		out[name] = v
		if a, ok := b.attributes[name]; ok {
			switch {
			case v.IsNull() && a.computed:
				out[name] = fill(a.typ, name)
			case a.nested != nil:
				out[name] = mapCollection(a.nested.mode, a.nested.block, v, fill)
			}
		}
		if nb, ok := b.blocks[name]; ok {
			out[name] = mapCollection(nb.mode, nb.block, v, fill)
		}
	}
	return tftypes.NewValue(b.typ, out)
}

func mapCollection(mode string, b *block, v tftypes.Value, fill func(tftypes.Type, string) tftypes.Value) tftypes.Value {
	if v.IsNull() || !v.IsKnown() {
		return v
	}
	switch mode {
	case "single", "group":
		return mapComputedNulls(b, v, fill)
	case "list", "set":
		var items []tftypes.Value
		if err := v.As(&items); err != nil {
			return v
		}
		for i := range items {
			items[i] = mapComputedNulls(b, items[i], fill)
		}
		return tftypes.NewValue(v.Type(), items)
	case "map":
		var items map[string]tftypes.Value
		if err := v.As(&items); err != nil {
			return v
		}
		for k := range items {
			items[k] = mapComputedNulls(b, items[k], fill)
		}
		return tftypes.NewValue(v.Type(), items)
	}
	return v
}

// placeholder is a known value of type t for a data source's computed attribute: Terraform needs
// data sources read during plan to be wholly known. Numbers-as-strings named like project numbers
// get digits, so that service agent e-mail addresses built from them look real.
func placeholder(t tftypes.Type, name string) tftypes.Value {
	switch {
	case t.Is(tftypes.String):
		if name == "number" || strings.HasSuffix(name, "_number") {
			return tftypes.NewValue(t, "123456789012")
		}
		return tftypes.NewValue(t, "stub-"+strings.ReplaceAll(name, "_", "-"))
	case t.Is(tftypes.Number):
		return tftypes.NewValue(t, 0)
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, false)
	case t.Is(tftypes.List{}), t.Is(tftypes.Set{}):
		return tftypes.NewValue(t, []tftypes.Value{})
	case t.Is(tftypes.Map{}):
		return tftypes.NewValue(t, map[string]tftypes.Value{})
	}
	return tftypes.NewValue(t, nil)
}

func (p *stub) ReadDataSource(_ context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	ts, diags := p.schemaFor(p.dataSourcesMap(), req.TypeName)
	if diags != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: diags}, nil
	}
	config, err := req.Config.Unmarshal(ts.block.typ)
	if err != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errorDiag("stand-in google provider: data source config", err)}, nil
	}
	state := mapComputedNulls(ts.block, config, placeholder)
	dv, err := tfprotov6.NewDynamicValue(ts.block.typ, state)
	if err != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errorDiag("stand-in google provider: data source state", err)}, nil
	}
	return &tfprotov6.ReadDataSourceResponse{State: &dv}, nil
}

var refuse = errorDiag("the stand-in google provider only validates and plans", fmt.Errorf("it serves the real provider's schema for offline checks; use the real hashicorp/google provider to apply"))

func (p *stub) ApplyResourceChange(context.Context, *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: refuse}, nil
}

func (p *stub) ImportResourceState(context.Context, *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: refuse}, nil
}

func (p *stub) MoveResourceState(context.Context, *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: refuse}, nil
}

func (p *stub) OpenEphemeralResource(context.Context, *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: refuse}, nil
}

func (p *stub) RenewEphemeralResource(context.Context, *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{}, nil
}

func (p *stub) CloseEphemeralResource(context.Context, *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{}, nil
}

func (p *stub) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

func (p *stub) CallFunction(context.Context, *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: "the stand-in google provider serves no functions"}}, nil
}

func (p *stub) GenerateResourceConfig(context.Context, *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: refuse}, nil
}

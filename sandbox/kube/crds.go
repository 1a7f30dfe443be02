package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

type crdDoc struct {
	source string
	crd    *apiextensionsv1.CustomResourceDefinition
}

// loadCRDs reads every *.yaml/*.yml file (multi-document) in dirs and keeps the
// apiextensions.k8s.io/v1 CustomResourceDefinition documents. Later duplicates win.
func loadCRDs(dirs []string) ([]crdDoc, error) {
	byName := map[string]int{}
	var out []crdDoc
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("crds: %w", err)
		}
		names := []string{}
		for _, e := range entries {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			path := filepath.Join(dir, n)
			f, err := os.Open(path)
			if err != nil {
				return nil, fmt.Errorf("crds: %w", err)
			}
			r := utilyaml.NewYAMLReader(bufio.NewReaderSize(f, 1<<20))
			for i := 0; ; i++ {
				doc, err := r.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					f.Close()
					return nil, fmt.Errorf("crds: %s: %w", path, err)
				}
				if len(bytes.TrimSpace(doc)) == 0 {
					continue
				}
				var meta metav1.TypeMeta
				if err := yaml.Unmarshal(doc, &meta); err != nil {
					f.Close()
					return nil, fmt.Errorf("crds: %s document %d: %w", path, i, err)
				}
				if meta.Kind != "CustomResourceDefinition" {
					continue
				}
				if meta.APIVersion != "apiextensions.k8s.io/v1" {
					f.Close()
					return nil, fmt.Errorf("crds: %s document %d: unsupported apiVersion %q", path, i, meta.APIVersion)
				}
				crd := &apiextensionsv1.CustomResourceDefinition{}
				if err := yaml.UnmarshalStrict(doc, crd); err != nil {
					// tolerate fields unknown to this apiextensions version
					crd = &apiextensionsv1.CustomResourceDefinition{}
					if err2 := yaml.Unmarshal(doc, crd); err2 != nil {
						f.Close()
						return nil, fmt.Errorf("crds: %s document %d: %w", path, i, err2)
					}
				}
				d := crdDoc{source: path, crd: crd}
				if j, ok := byName[crd.Name]; ok {
					out[j] = d
				} else {
					byName[crd.Name] = len(out)
					out = append(out, d)
				}
			}
			f.Close()
		}
	}
	return out, nil
}

// installCRDs creates or updates each CRD, then waits until all are Established.
func installCRDs(ctx context.Context, cfg *rest.Config, crds []crdDoc) (int, error) {
	cs, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	api := cs.ApiextensionsV1().CustomResourceDefinitions()
	for _, d := range crds {
		want := d.crd.DeepCopy()
		want.ResourceVersion = ""
		want.Status = apiextensionsv1.CustomResourceDefinitionStatus{}
		err := retry(ctx, func() error {
			_, err := api.Create(ctx, want, metav1.CreateOptions{FieldManager: "kube-sandbox"})
			if !apierrors.IsAlreadyExists(err) {
				return err
			}
			cur, err := api.Get(ctx, want.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			upd := want.DeepCopy()
			upd.ResourceVersion = cur.ResourceVersion
			_, err = api.Update(ctx, upd, metav1.UpdateOptions{FieldManager: "kube-sandbox"})
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("install CRD %s (from %s): %w", d.crd.Name, d.source, err)
		}
	}
	pending := map[string]bool{}
	for _, d := range crds {
		pending[d.crd.Name] = true
	}
	var lastProblem string
	for len(pending) > 0 {
		list, err := api.List(ctx, metav1.ListOptions{})
		if err == nil {
			for i := range list.Items {
				c := &list.Items[i]
				if !pending[c.Name] {
					continue
				}
				for _, cond := range c.Status.Conditions {
					switch {
					case cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue:
						delete(pending, c.Name)
					case cond.Type == apiextensionsv1.NamesAccepted && cond.Status == apiextensionsv1.ConditionFalse:
						lastProblem = fmt.Sprintf("%s: names not accepted: %s", c.Name, cond.Message)
					}
				}
			}
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			names := []string{}
			for n := range pending {
				names = append(names, n)
			}
			sort.Strings(names)
			return 0, fmt.Errorf("CRDs not Established: %s %s", strings.Join(names, ","), lastProblem)
		case <-time.After(100 * time.Millisecond):
		}
	}
	// Established is not yet servable: right after it, lists answer 429 "storage is (re)initializing"
	// until the CRD's storage is ready. Wait for every served version to list, so "ready" means usable.
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	for _, d := range crds {
		for _, v := range d.crd.Spec.Versions {
			if !v.Served {
				continue
			}
			gvr := schema.GroupVersionResource{Group: d.crd.Spec.Group, Version: v.Name, Resource: d.crd.Spec.Names.Plural}
			for {
				_, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 1})
				if err == nil {
					break
				}
				select {
				case <-ctx.Done():
					return 0, fmt.Errorf("CRD %s not servable: %w", d.crd.Name, err)
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}
	return len(crds), nil
}

// retry retries transient API errors (the server may still be settling right after /readyz).
func retry(ctx context.Context, f func() error) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = f(); err == nil {
			return nil
		}
		if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(100*(attempt+1)) * time.Millisecond):
		}
	}
	return err
}

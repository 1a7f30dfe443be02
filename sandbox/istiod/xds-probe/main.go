// Command xds-probe connects to istiod's plaintext xDS port as a sidecar in a given cluster and
// locality would, subscribes to the clusters (CDS) and the endpoints (EDS) of the services it is
// asked about, and prints one JSON line for every endpoint assignment istiod sends: per locality,
// its priority, weight and endpoints. It ACKs every response, so istiod keeps pushing updates, and
// runs until it is killed or its stdin closes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	cdsType = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	edsType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
)

type endpointOut struct {
	Address string `json:"address"`
	Port    uint32 `json:"port"`
	Health  string `json:"health"`
}

type localityOut struct {
	Region    string        `json:"region"`
	Zone      string        `json:"zone"`
	Priority  uint32        `json:"priority"`
	Weight    uint32        `json:"weight"`
	Endpoints []endpointOut `json:"endpoints"`
}

type line struct {
	Type       string        `json:"type"`
	Cluster    string        `json:"cluster,omitempty"`
	Localities []localityOut `json:"localities,omitempty"`
	Clusters   []string      `json:"clusters,omitempty"`
	Error      string        `json:"error,omitempty"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:15010", "istiod's plaintext xDS address")
	clusterID := flag.String("cluster-id", "", "the Kubernetes cluster the probe's pod runs in (istiod's cluster ID)")
	region := flag.String("region", "", "the probe's locality region")
	zone := flag.String("zone", "", "the probe's locality zone")
	namespace := flag.String("namespace", "default", "the probe's namespace")
	ip := flag.String("ip", "10.255.0.1", "the probe's pod IP")
	hosts := flag.String("hosts", "", "comma-separated service hostnames whose endpoints to subscribe to")
	network := flag.String("network", "", "the probe's mesh network (ISTIO_META_NETWORK); empty for a single-network mesh")
	flag.Parse()
	if err := run(*addr, *clusterID, *region, *zone, *namespace, *ip, *network, strings.Split(*hosts, ",")); err != nil {
		emit(line{Type: "error", Error: err.Error()})
		os.Exit(1)
	}
}

func run(addr, clusterID, region, zone, namespace, ip, network string, hosts []string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The test stops the probe by closing its stdin, so no probe outlives its test.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	stream, err := discovery.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return err
	}
	fields := map[string]any{
		"CLUSTER_ID":    clusterID,
		"NAMESPACE":     namespace,
		"ISTIO_VERSION": "1.29.0",
		"LABELS":        map[string]any{"app": "xds-probe"},
	}
	if network != "" {
		fields["NETWORK"] = network
	}
	meta, err := structpb.NewStruct(fields)
	if err != nil {
		return err
	}
	node := &core.Node{
		Id:       fmt.Sprintf("sidecar~%s~xds-probe.%s~%s.svc.cluster.local", ip, namespace, namespace),
		Metadata: meta,
		Locality: &core.Locality{Region: region, Zone: zone},
	}
	if err := stream.Send(&discovery.DiscoveryRequest{Node: node, TypeUrl: cdsType}); err != nil {
		return err
	}
	var edsNames []string
	for {
		resp, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		switch resp.TypeUrl {
		case cdsType:
			edsNames = wanted(resp, hosts)
			emit(line{Type: "cds", Clusters: edsNames})
			if err := ack(stream, resp, nil); err != nil {
				return err
			}
			// Subscribing (again) after every CDS response is what Envoy does in state-of-the-world xDS.
			if err := stream.Send(&discovery.DiscoveryRequest{TypeUrl: edsType, ResourceNames: edsNames}); err != nil {
				return err
			}
		case edsType:
			for _, res := range resp.Resources {
				var cla endpoint.ClusterLoadAssignment
				if err := res.UnmarshalTo(&cla); err != nil {
					return err
				}
				emit(line{Type: "eds", Cluster: cla.ClusterName, Localities: localities(&cla)})
			}
			if err := ack(stream, resp, edsNames); err != nil {
				return err
			}
		default:
			if err := ack(stream, resp, nil); err != nil {
				return err
			}
		}
	}
}

// wanted returns the EDS cluster names of the CDS response that belong to one of hosts.
func wanted(resp *discovery.DiscoveryResponse, hosts []string) []string {
	var names []string
	for _, res := range resp.Resources {
		var c cluster.Cluster
		if err := res.UnmarshalTo(&c); err != nil || c.GetType() != cluster.Cluster_EDS {
			continue
		}
		for _, h := range hosts {
			if h != "" && strings.HasPrefix(c.Name, "outbound|") && strings.HasSuffix(c.Name, "||"+h) {
				names = append(names, c.Name)
			}
		}
	}
	sort.Strings(names)
	return names
}

func ack(stream discovery.AggregatedDiscoveryService_StreamAggregatedResourcesClient, resp *discovery.DiscoveryResponse, names []string) error {
	return stream.Send(&discovery.DiscoveryRequest{
		TypeUrl:       resp.TypeUrl,
		VersionInfo:   resp.VersionInfo,
		ResponseNonce: resp.Nonce,
		ResourceNames: names,
	})
}

func localities(cla *endpoint.ClusterLoadAssignment) []localityOut {
	out := make([]localityOut, 0, len(cla.Endpoints))
	for _, l := range cla.Endpoints {
		// A locality that a distribute rule sends nothing to keeps its entry with no endpoints.
		lo := localityOut{
			Region:    l.GetLocality().GetRegion(),
			Zone:      l.GetLocality().GetZone(),
			Priority:  l.Priority,
			Weight:    l.GetLoadBalancingWeight().GetValue(),
			Endpoints: []endpointOut{},
		}
		for _, e := range l.LbEndpoints {
			sa := e.GetEndpoint().GetAddress().GetSocketAddress()
			lo.Endpoints = append(lo.Endpoints, endpointOut{Address: sa.GetAddress(), Port: sa.GetPortValue(), Health: e.HealthStatus.String()})
		}
		out = append(out, lo)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Region+out[i].Zone < out[j].Region+out[j].Zone })
	return out
}

func emit(l line) {
	b, _ := json.Marshal(l)
	fmt.Println(string(b))
}

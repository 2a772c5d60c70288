package telemetry

import (
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	config_util "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/storage/remote"
)

// Forwarding: everything the store takes in is also sent, by Prometheus remote-write, to an
// external Prometheus-compatible store (Mimir, VictoriaMetrics, Thanos, Prometheus). It is
// Prometheus' own remote-write client, reading the store's write-ahead log: what was acknowledged
// is in the log, so an outage of the receiver only delays it. The client retries with backoff
// while the log holds the samples (the log is cut when the store compacts, every two hours or
// so: an outage longer than that loses the oldest samples it had not sent).

// Forward names the external store to send everything to.
type Forward struct {
	URL   string // its remote-write endpoint, e.g. http://mimir:8080/api/v1/push
	Token string // a bearer token for it, if it wants one
}

// startForwarding starts the remote-write client on the store's log.
func (s *Store) startForwarding(dir string, f Forward) error {
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("forward URL %q: want http(s)://host[:port]/path", f.URL)
	}
	rw := config.DefaultRemoteWriteConfig
	rw.URL = &config_util.URL{URL: u}
	rw.Name = "forward"
	rw.QueueConfig.MinBackoff = model.Duration(100 * time.Millisecond)
	rw.QueueConfig.MaxBackoff = model.Duration(10 * time.Second)
	rw.QueueConfig.RetryOnRateLimit = true
	rw.MetadataConfig.Send = false
	if f.Token != "" {
		rw.HTTPClientConfig.Authorization = &config_util.Authorization{Type: "Bearer", Credentials: config_util.Secret(f.Token)}
	}
	rs := remote.NewStorage(s.logger.With("component", "forward"), prometheus.NewRegistry(), s.db.StartTime, dir, time.Minute, nil, false)
	cfg := &config.Config{GlobalConfig: config.DefaultGlobalConfig, RemoteWriteConfigs: []*config.RemoteWriteConfig{&rw}}
	if err := rs.ApplyConfig(cfg); err != nil {
		_ = rs.Close()
		return fmt.Errorf("forward to %s: %w", f.URL, err)
	}
	s.db.SetWriteNotified(rs)
	s.forward = rs
	return nil
}

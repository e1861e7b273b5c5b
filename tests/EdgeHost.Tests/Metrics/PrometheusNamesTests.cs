using Edge.Host.Metrics;

namespace Edge.Host.Tests.Metrics;

public sealed class PrometheusNamesTests
{
    [Theory]
    [InlineData("edge.tunnel.relay.requests", "{request}", "Counter", "edge_tunnel_relay_requests_total")]
    [InlineData("edge.tunnel.relay.bytes", "By", "Counter", "edge_tunnel_relay_bytes_total")]
    [InlineData("edge.tunnel.relay.connections", "{connection}", "Gauge", "edge_tunnel_relay_connections")]
    [InlineData("edge.tunnel.agent.connect.duration", "s", "Histogram", "edge_tunnel_agent_connect_duration_seconds")]
    [InlineData("http.server.request.duration", "s", "Histogram", "http_server_request_duration_seconds")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", "Counter", "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("dotnet.process.cpu.time", "s", "Counter", "dotnet_process_cpu_time_seconds_total")]
    [InlineData("cache.hit_ratio", "1", "Gauge", "cache_hit_ratio")]
    [InlineData("queue.fill", "1", "Gauge", "queue_fill_ratio")]
    [InlineData("events", "1", "Counter", "events_total")]
    [InlineData("link.speed", "By/s", "Gauge", "link_speed_bytes_per_second")]
    [InlineData("rate", "{request}/s", "Gauge", "rate_per_second")]
    [InlineData("disk.io", "KiBy", "Counter", "disk_io_kibibytes_total")]
    [InlineData("odd-name..with  spaces", null, "Gauge", "odd_name_with_spaces")]
    [InlineData("9lives", "", "Gauge", "_9lives")]
    [InlineData("already_total", null, "Counter", "already_total")]
    [InlineData("temperature", "Cel", "Gauge", "temperature_celsius")]
    [InlineData("custom", "widgets", "Gauge", "custom_widgets")]
    public void MetricName_OpenTelemetryRules(string instrument, string? unit, string kind, string expected)
    {
        Assert.Equal(expected, PrometheusNames.MetricName(instrument, unit, Enum.Parse<MetricKind>(kind)));
    }

    [Theory]
    [InlineData("tunnel", "tunnel")]
    [InlineData("http.response.status_code", "http_response_status_code")]
    [InlineData("gc.heap-generation", "gc_heap_generation")]
    [InlineData("__reserved", "_reserved")]
    [InlineData("1st", "_1st")]
    public void LabelName_Sanitized(string key, string expected)
    {
        Assert.Equal(expected, PrometheusNames.LabelName(key));
    }
}

// Throughput and memory figures are only meaningful when tests do not share the two cores with each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Integration tests start real etcd clusters and gateways; on a two-core machine running them one at a time
// keeps their generous timing bounds meaningful.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

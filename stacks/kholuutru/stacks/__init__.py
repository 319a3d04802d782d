"""The Pulumi components that deploy kholuutru on Kubernetes: the operator, one ArchivePlatform per environment and
the monitoring pack (ARCHITECTURE §1, §2). They import only Pulumi's SDKs and read the operator's CRDs as YAML, so a
stack never depends on the operator's or the archive's Python code."""

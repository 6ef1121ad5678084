"""Control-path kinds: accounts, identities, roles, audit trails.

Derived from what the normalisers write; docs/reference/resource-kinds.md is generated from it.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

ACCOUNT = define_kind(
    "account",
    "A scanned account: AWS account, Azure subscription, GCP project.",
    [
        attr(
            "account_id",
            "string",
            "the account id: AWS account, Azure subscription id, GCP project id",
        ),
        attr(
            "ancestors",
            "array",
            "the GCP project's ancestry (`projects/N`, `folders/F`, `organizations/O`)",
            "gcp",
        ),
        attr("caller_arn", "string", "the identity the scan ran as"),
        attr(
            "iam_bindings",
            "array",
            ("GCP: IAM policy bindings [{`role`, `members`, `condition`}] set on it"),
            "gcp",
        ),
        attr(
            "parent",
            "object",
            "the GCP project's parent {`type`, `id`} (folder or organisation)",
            "gcp",
        ),
        attr("project_number", "string", "the GCP project number", "gcp"),
        attr(
            "public_members",
            "array",
            "GCP: `allUsers`/`allAuthenticatedUsers` in its IAM policy",
            "gcp",
        ),
        attr("state", "string", "lifecycle state (subscription or project state)", "azure gcp"),
        attr("tenant_id", "string", "Azure: the subscription's tenant", "azure"),
        attr(
            "management_groups",
            "array",
            "Azure: the management groups above the subscription, nearest first, ending at the "
            "tenant root (null when the row does not list them)",
            "azure",
        ),
    ],
)

ORGANIZATION = define_kind(
    "organization",
    "An AWS organization or a GCP organisation.",
    [
        attr(
            "accounts",
            "array",
            (
                "member accounts [{`id`, `name`, `status`, `path`}]; absent when only "
                "membership was readable"
            ),
            "aws",
        ),
        attr("domain", "string", "GCP: the organisation's domain", "gcp"),
        attr("feature_set", "string", "AWS: `ALL` or `CONSOLIDATED_BILLING`", "aws gcp"),
        attr(
            "iam_bindings",
            "array",
            ("GCP: IAM policy bindings [{`role`, `members`, `condition`}] set on it"),
            "gcp",
        ),
        attr(
            "in_use",
            "boolean",
            "false for the pseudo organization of an account outside any",
            "aws",
        ),
        attr("management_account", "string", "the management account", "aws gcp"),
        attr("org_id", "string", 'organization id (`""` outside any)', "aws gcp"),
        attr(
            "public_members",
            "array",
            "GCP: `allUsers`/`allAuthenticatedUsers` in its IAM policy",
            "gcp",
        ),
        attr("roots", "array", "AWS: root ids", "aws"),
        attr("scp_enabled", "boolean", "service control policies are enabled", "aws"),
        attr(
            "scps",
            "array",
            ("SCPs [{`id`, `name`, `aws_managed`, `document`, `targets`}]; absent when unknown"),
            "aws",
        ),
    ],
)

FOLDER = define_kind(
    "folder",
    "A GCP folder.",
    [
        attr("folder_id", "string", "the folder number", "gcp"),
        attr(
            "iam_bindings",
            "array",
            ("GCP: IAM policy bindings [{`role`, `members`, `condition`}] set on it"),
            "gcp",
        ),
        attr(
            "parent",
            "object string",
            (
                "parent folder or organisation, as Cloud Asset writes it "
                "(`organizations/N`, or {`type`, `id`})"
            ),
            "gcp",
        ),
        attr(
            "public_members",
            "array",
            "GCP: `allUsers`/`allAuthenticatedUsers` in its IAM policy",
            "gcp",
        ),
    ],
)

PRINCIPAL = define_kind(
    "principal",
    "An identity that is no role: IAM user, Entra principal or identity, service account.",
    [
        attr(
            "attached_policies", "array", "managed policies attached [{`arn`, `name`, `document`}]"
        ),
        attr("client_id", "string", "Azure: managed identity client id", "azure"),
        attr("disabled", "boolean", "GCP: the service account is disabled", "gcp"),
        attr("email", "string", "GCP: service account email", "gcp"),
        attr(
            "group_policies",
            "array",
            (
                "AWS: its groups' policies [{`name`, `arn`, `attached_policies`, "
                "`inline_policies`}], or null (not read)"
            ),
        ),
        attr("groups", "array", "AWS: groups it is in"),
        attr(
            "iam_bindings",
            "array",
            ("GCP: IAM policy bindings [{`role`, `members`, `condition`}] set on it"),
            "gcp",
        ),
        attr("inline_policies", "array", "inline policies [{`name`, `document`}]"),
        attr("managed_identity", "boolean", "Azure: a managed identity", "azure"),
        attr("object_id", "string", "Azure: object id", "azure"),
        attr("permissions_boundary", "string", "permissions boundary ARN, or null"),
        attr(
            "permissions_boundary_document", "object", "the boundary policy (parsed JSON), or null"
        ),
        attr(
            "principal_type", "string", "Azure: `User`, `Group`, `ServicePrincipal`, ...", "azure"
        ),
        attr(
            "public_members",
            "array",
            "GCP: `allUsers`/`allAuthenticatedUsers` in its IAM policy",
            "gcp",
        ),
        attr("tenant_id", "string", "Azure: its tenant", "azure"),
        attr("user_name", "string", "user or service account name"),
    ],
)

ROLE = define_kind(
    "role",
    "A role: IAM role, Azure role definition, GCP custom role.",
    [
        attr(
            "assignable_scopes",
            "array",
            "Azure: scopes the role definition may be assigned at",
            "azure",
        ),
        attr(
            "attached_policies",
            "array",
            "managed policies [{`arn`, `name`, `document` (default version)}]",
            "aws azure",
        ),
        attr(
            "included_permissions",
            "array",
            "GCP custom role: the permissions it grants (`includedPermissions`)",
            "gcp",
        ),
        attr("inline_policies", "array", "inline policies [{`name`, `document`}]", "aws azure"),
        attr("max_session_duration", "integer", "longest session in seconds", "aws azure"),
        attr("path", "string", "IAM path", "aws azure"),
        attr(
            "permissions",
            "array",
            ("Azure: permissions [{`actions`, `not_actions`, `data_actions`, `not_data_actions`}]"),
            "azure",
        ),
        attr("permissions_boundary", "string", "permissions boundary ARN, or null", "aws azure"),
        attr(
            "permissions_boundary_document",
            "object",
            "the boundary policy (parsed JSON, default version), or null",
            "aws azure",
        ),
        attr("role_name", "string", "role name", "aws azure gcp"),
        attr("role_type", "string", "Azure: `BuiltInRole` or `CustomRole`", "azure"),
        attr("stage", "string", "GCP custom role: launch stage (`GA`, `DISABLED`...)", "gcp"),
        attr("trust_policy", "object", "AWS trust policy (parsed JSON)", "aws azure"),
    ],
)

ROLE_ASSIGNMENT = define_kind(
    "role_assignment",
    "An Azure role assignment (RBAC or Lighthouse).",
    [
        attr("authorizations", "array", "Lighthouse: the registration's authorizations", "azure"),
        attr("condition", "string", "ABAC condition, or null", "azure"),
        attr("managed_by_tenant", "string", "Lighthouse: the managing tenant", "azure"),
        attr("principal", "string", "the principal's node id", "azure"),
        attr("principal_tenant", "string", "the principal's tenant", "azure"),
        attr("principal_type", "string", "`User`, `Group`, `ServicePrincipal`, ...", "azure"),
        attr("role_definition_id", "string", "the role assigned", "azure"),
        attr("scope", "string", "where it applies", "azure"),
        attr("via", "string", "`rbac` or `lighthouse`", "azure"),
    ],
)

RESOURCE_GROUP = define_kind(
    "resource_group",
    "An Azure resource group.",
    [
        attr("managed_by", "string", "what manages the group, or null", "azure"),
        attr("provisioning_state", "string", "provisioning state", "azure"),
    ],
)

AUDIT_TRAIL = define_kind(
    "audit_trail",
    "A CloudTrail trail.",
    [
        attr(
            "cloudwatch_log_group",
            "string",
            "CloudWatch Logs log group ARN it delivers to, or null",
            "aws",
        ),
        attr("data_event_selectors", "array", "the trail's raw data event selectors", "aws"),
        attr("home_region", "string", "region the trail was created in", "aws"),
        attr(
            "kms_key_id",
            "string",
            "KMS key ARN that encrypts its log files, or null (SSE-S3)",
            "aws",
        ),
        attr("log_file_validation", "boolean", "log file integrity validation is on", "aws"),
        attr("logging", "boolean", "the trail is logging now", "aws"),
        attr("management_events", "boolean", "it records management events", "aws"),
        attr("multi_region", "boolean", "it records every region", "aws"),
        attr("name", "string", "trail name", "aws"),
        attr(
            "organization_trail", "boolean", "it records every account of the organization", "aws"
        ),
        attr("s3_bucket", "string", "name of the bucket the logs land in", "aws"),
    ],
)

DIAGNOSTIC_SETTING = define_kind(
    "diagnostic_setting",
    "An Azure diagnostic setting (where a resource's logs go).",
    [
        attr(
            "event_hub_rule_id",
            "string",
            "Event Hubs authorisation rule logs are streamed to, or null",
            "azure",
        ),
        attr("logs", "array", "enabled log categories or category groups (names)", "azure"),
        attr("metrics", "array", "enabled metric categories (names)", "azure"),
        attr("resource_id", "string", "the resource whose logs it sends", "azure"),
        attr(
            "scope",
            "string",
            "`subscription` (the Activity Log's export) or `resource` (resource logs)",
            "azure",
        ),
        attr(
            "storage_account_id", "string", "storage account logs are archived to, or null", "azure"
        ),
        attr(
            "workspace_id", "string", "Log Analytics workspace logs are sent to, or null", "azure"
        ),
    ],
)

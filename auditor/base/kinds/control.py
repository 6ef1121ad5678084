"""Control-path kinds: accounts, identities, roles, audit trails.

Derived from what the normalisers write; docs/reference/resource-kinds.md is generated from it.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

ACCOUNT = define_kind(
    "account",
    "A scanned account: AWS account, Azure subscription, GCP project.",
    [
        attr("account_id", "string", "(project id)"),
        attr("caller_arn", "string", "caller arn"),
        attr(
            "iam_bindings",
            "array",
            ("IAM policy bindings [{`role`, `members`, `condition`}] set on it (GCP)"),
            "gcp",
        ),
        attr("parent", "object", "parent resource (id or object)", "gcp"),
        attr("project_number", "string", "project number", "gcp"),
        attr(
            "public_members",
            "array",
            "`allUsers`/`allAuthenticatedUsers` members of its IAM policy (GCP)",
            "gcp",
        ),
        attr("state", "string", "lifecycle state as the cloud reports it", "azure gcp"),
        attr("tenant_id", "string", "Entra ID tenant id", "azure"),
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
                "[{`id`,`name`,`status`,`path` [root id, OU ids…, account id]}]; and "
                "`scps` are absent (unknown) when only membership was readable. An "
                "account outside any organization gets "
                "`arn:aws:organizations::{account}:no-organization` with `in_use` false"
            ),
            "aws",
        ),
        attr("domain", "string", "domain", "gcp"),
        attr("feature_set", "string", "feature set", "aws gcp"),
        attr(
            "iam_bindings",
            "array",
            ("IAM policy bindings [{`role`, `members`, `condition`}] set on it (GCP)"),
            "gcp",
        ),
        attr("in_use", "boolean", "in use", "aws"),
        attr("management_account", "string", "management account", "aws gcp"),
        attr("org_id", "string", '""', "aws gcp"),
        attr(
            "public_members",
            "array",
            "`allUsers`/`allAuthenticatedUsers` members of its IAM policy (GCP)",
            "gcp",
        ),
        attr("roots", "array", "[ids]", "aws"),
        attr("scp_enabled", "boolean", "scp enabled", "aws"),
        attr(
            "scps",
            "array",
            (
                "[{`id`,`name`,`aws_managed`,`document`,`targets` [root/OU/account "
                "ids]}]; [] and `scp_enabled` false: known to have no SCPs"
            ),
            "aws",
        ),
    ],
)

FOLDER = define_kind(
    "folder",
    "A GCP folder.",
    [
        attr("folder_id", "string", "/ `org_id`", "gcp"),
        attr(
            "iam_bindings",
            "array",
            ("IAM policy bindings [{`role`, `members`, `condition`}] set on it (GCP)"),
            "gcp",
        ),
        attr("parent", "string", "parent resource (id or object)", "gcp"),
        attr(
            "public_members",
            "array",
            "`allUsers`/`allAuthenticatedUsers` members of its IAM policy (GCP)",
            "gcp",
        ),
    ],
)

PRINCIPAL = define_kind(
    "principal",
    "An identity that is no role: IAM user, Entra principal or identity, service account.",
    [
        attr("attached_policies", "array", "attached policies"),
        attr("client_id", "string", "client id", "azure"),
        attr("disabled", "boolean", "disabled", "gcp"),
        attr("email", "string", "email", "gcp"),
        attr(
            "group_policies",
            "array",
            ("[{`name`, `arn`, `attached_policies`, `inline_policies`}] or null (not read)"),
        ),
        attr("groups", "array", "groups"),
        attr("inline_policies", "array", "(as for role)"),
        attr("managed_identity", "boolean", "managed identity", "azure"),
        attr("object_id", "string", "object id", "azure"),
        attr("permissions_boundary", "string", "permissions boundary"),
        attr("permissions_boundary_document", "object", "(as for role)"),
        attr("principal_type", "string", "principal type", "azure"),
        attr("tenant_id", "string", "Entra ID tenant id", "azure"),
        attr("user_name", "string", "and `email`"),
    ],
)

ROLE = define_kind(
    "role",
    "A role: IAM role, Azure role definition.",
    [
        attr("assignable_scopes", "array", "assignable scopes", "azure"),
        attr(
            "attached_policies",
            "array",
            "[{`arn`, `name`, `document` (parsed JSON, default version)}]",
            "aws azure",
        ),
        attr("inline_policies", "array", "[{`name`, `document`}]", "aws azure"),
        attr("max_session_duration", "integer", "max session duration", "aws azure"),
        attr("path", "string", "path", "aws azure"),
        attr("permissions", "array", "permissions", "azure"),
        attr("permissions_boundary", "string", "(ARN) or null", "aws azure"),
        attr(
            "permissions_boundary_document",
            "object",
            "(parsed JSON, default version) or null (none, or not returned)",
            "aws azure",
        ),
        attr("role_name", "string", "role name", "aws azure"),
        attr("role_type", "string", "role type", "azure"),
        attr("trust_policy", "object", "(parsed JSON)", "aws azure"),
    ],
)

ROLE_ASSIGNMENT = define_kind(
    "role_assignment",
    "An Azure role assignment (RBAC or Lighthouse).",
    [
        attr("authorizations", "array", "authorizations", "azure"),
        attr("condition", "string", "condition", "azure"),
        attr("managed_by_tenant", "string", "managed by tenant", "azure"),
        attr("principal", "string", "principal", "azure"),
        attr("principal_tenant", "string", "principal tenant", "azure"),
        attr("principal_type", "string", "principal type", "azure"),
        attr("role_definition_id", "string", "role definition id", "azure"),
        attr("scope", "string", "scope", "azure"),
        attr("via", "string", "(`rbac`/`lighthouse`)", "azure"),
    ],
)

RESOURCE_GROUP = define_kind(
    "resource_group",
    "An Azure resource group.",
    [
        attr("managed_by", "string", "managed by", "azure"),
        attr("provisioning_state", "string", "provisioning state", "azure"),
    ],
)

AUDIT_TRAIL = define_kind(
    "audit_trail",
    "A CloudTrail trail.",
    [
        attr("cloudwatch_log_group", "string", "cloudwatch log group", "aws"),
        attr("data_event_selectors", "array", "[raw selector dicts]", "aws"),
        attr("home_region", "string", "home region", "aws"),
        attr("kms_key_id", "string", "the key that encrypts it, or null (provider key)", "aws"),
        attr("log_file_validation", "boolean", "log file validation", "aws"),
        attr("logging", "boolean", "logging", "aws"),
        attr("management_events", "boolean", "management events", "aws"),
        attr("multi_region", "boolean", "multi region", "aws"),
        attr("name", "string", "its name", "aws"),
        attr("organization_trail", "boolean", "organization trail", "aws"),
        attr("s3_bucket", "string", "(name)", "aws"),
    ],
)

DIAGNOSTIC_SETTING = define_kind(
    "diagnostic_setting",
    "An Azure diagnostic setting (where a resource's logs go).",
    [
        attr("event_hub_rule_id", "string", "event hub rule id", "azure"),
        attr("logs", "array", "logs", "azure"),
        attr("metrics", "array", "metrics", "azure"),
        attr("resource_id", "string", "id of the resource it belongs to", "azure"),
        attr("storage_account_id", "string", "storage account id", "azure"),
        attr("workspace_id", "string", "workspace id", "azure"),
    ],
)

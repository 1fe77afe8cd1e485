#!/usr/bin/env bash
# The parts of the deployment ARM cannot do, idempotent (run it again after any change):
#   1. assign the Microsoft Graph application permissions of infra/graph-permissions.json to the
#      bot's user-assigned managed identity (only those the chosen options need);
#   2. create the automation API's app registration (no secret): its app roles from
#      manifest/app-registration-api.json, the idtyp optional claim, "Assignment required" on.
# Needs: az (signed in as a Privileged Role Administrator or Global Administrator) and jq, as in
# Azure Cloud Shell. docs/deploy.md, step 2.
#
#   scripts/grant-graph-permissions.sh --principal-id <MANAGED_IDENTITY_PRINCIPAL_ID> \
#       [--options disable,reset-password,confirm-compromised,optional] [--api-name "Teams Revoke Bot API"]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PRINCIPAL_ID=""
OPTIONS=""
API_NAME="Teams Revoke Bot API"
while [ $# -gt 0 ]; do
  case "$1" in
    --principal-id) PRINCIPAL_ID="$2"; shift 2 ;;
    --options) OPTIONS="$2"; shift 2 ;;
    --api-name) API_NAME="$2"; shift 2 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
if [ -z "$PRINCIPAL_ID" ]; then
  echo "--principal-id is required: the MANAGED_IDENTITY_PRINCIPAL_ID output of the deployment" >&2
  exit 2
fi
for tool in az jq; do
  command -v "$tool" >/dev/null || { echo "$tool is required (Azure Cloud Shell has both)" >&2; exit 2; }
done

GRAPH_APP_ID="00000003-0000-0000-c000-000000000000"
GRAPH="https://graph.microsoft.com/v1.0"
graph_sp=$(az ad sp show --id "$GRAPH_APP_ID" --query id -o tsv)

# 1. Graph app roles: "always" ones, plus those whose option was asked for.
wanted=$(jq -r --arg options ",$OPTIONS," '.permissions[] | select(.when == "always" or ($options | contains("," + .when + ","))) | .permission' infra/graph-permissions.json)
assigned=$(az rest --method GET --url "$GRAPH/servicePrincipals/$PRINCIPAL_ID/appRoleAssignments" --query "value[?resourceId=='$graph_sp'].appRoleId" -o tsv)
for permission in $wanted; do
  role_id=$(az ad sp show --id "$GRAPH_APP_ID" --query "appRoles[?value=='$permission' && contains(allowedMemberTypes, 'Application')].id | [0]" -o tsv)
  if [ -z "$role_id" ]; then echo "Microsoft Graph has no application permission $permission" >&2; exit 1; fi
  if grep -qx "$role_id" <<<"$assigned"; then
    echo "already assigned: $permission"
  else
    az rest --method POST --url "$GRAPH/servicePrincipals/$PRINCIPAL_ID/appRoleAssignments" \
      --headers "Content-Type=application/json" \
      --body "$(jq -n --arg p "$PRINCIPAL_ID" --arg r "$graph_sp" --arg a "$role_id" '{principalId: $p, resourceId: $r, appRoleId: $a}')" >/dev/null
    echo "assigned: $permission"
  fi
done

# 2. The automation API's registration: audience and roles, no credential of any kind.
api_app_id=$(az ad app list --display-name "$API_NAME" --query "[0].appId" -o tsv)
roles=$(jq -c '.appRoles' manifest/app-registration-api.json)
claims='{"accessToken":[{"name":"idtyp","essential":false}]}'
if [ -z "$api_app_id" ]; then
  api_app_id=$(az ad app create --display-name "$API_NAME" --sign-in-audience AzureADMyOrg --query appId -o tsv)
  echo "created the API registration $api_app_id"
fi
object_id=$(az ad app show --id "$api_app_id" --query id -o tsv)
az rest --method PATCH --url "$GRAPH/applications/$object_id" --headers "Content-Type=application/json" \
  --body "$(jq -n --arg uri "api://$api_app_id" --argjson roles "$roles" --argjson claims "$claims" \
    '{identifierUris: [$uri], appRoles: $roles, optionalClaims: $claims, api: {requestedAccessTokenVersion: 2}}')" >/dev/null
if [ -n "$(az ad app credential list --id "$api_app_id" --query '[0].keyId' -o tsv)" ]; then
  echo "the API registration has a credential; it needs none (the bot only validates tokens): remove it" >&2
  exit 1
fi
az ad sp show --id "$api_app_id" >/dev/null 2>&1 || az ad sp create --id "$api_app_id" >/dev/null
az ad sp update --id "$api_app_id" --set appRoleAssignmentRequired=true >/dev/null
echo "API_APP_ID=$api_app_id   (set it as the apiAppId parameter / API_APP_ID app setting)"

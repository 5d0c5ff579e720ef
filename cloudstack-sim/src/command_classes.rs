//! The Java command class behind an API, as async jobs report it in `cmd`.
//!
//! CloudStack records the class it instantiated for the call: the `...ByAdmin` variant when a root
//! admin calls an API that has one, the user class otherwise. The table lists the async commands the
//! simulator models, with their package under `org.apache.cloudstack.api.command` as the 4.17 sources
//! have them. Any other async API falls back to the package convention (`user.<noun>.<Name>Cmd`), which
//! is a guess and says so in the simulator's docs.

const PREFIX: &str = "org.apache.cloudstack.api.command.";

/// API name -> (class under PREFIX, whether an `...ByAdmin` variant exists under `admin.`).
const CLASSES: &[(&str, &str, bool)] = &[
    ("deployVirtualMachine", "user.vm.DeployVMCmd", true),
    ("destroyVirtualMachine", "user.vm.DestroyVMCmd", true),
    ("expungeVirtualMachine", "admin.vm.ExpungeVMCmd", false),
    ("startVirtualMachine", "user.vm.StartVMCmd", true),
    ("stopVirtualMachine", "user.vm.StopVMCmd", true),
    ("rebootVirtualMachine", "user.vm.RebootVMCmd", true),
    (
        "authorizeSecurityGroupIngress",
        "user.securitygroup.AuthorizeSecurityGroupIngressCmd",
        false,
    ),
    (
        "authorizeSecurityGroupEgress",
        "user.securitygroup.AuthorizeSecurityGroupEgressCmd",
        false,
    ),
    (
        "revokeSecurityGroupIngress",
        "user.securitygroup.RevokeSecurityGroupIngressCmd",
        false,
    ),
    (
        "revokeSecurityGroupEgress",
        "user.securitygroup.RevokeSecurityGroupEgressCmd",
        false,
    ),
    ("deleteNetwork", "user.network.DeleteNetworkCmd", false),
    ("createVolume", "user.volume.CreateVolumeCmd", true),
    ("attachVolume", "user.volume.AttachVolumeCmd", true),
    ("detachVolume", "user.volume.DetachVolumeCmd", true),
    ("resizeVolume", "user.volume.ResizeVolumeCmd", true),
    ("associateIpAddress", "user.address.AssociateIPAddrCmd", true),
    ("disassociateIpAddress", "user.address.DisassociateIPAddrCmd", false),
    ("disableStaticNat", "user.nat.DisableStaticNatCmd", false),
    ("createTags", "user.tag.CreateTagsCmd", false),
    ("deleteTags", "user.tag.DeleteTagsCmd", false),
    (
        "createPortForwardingRule",
        "user.firewall.CreatePortForwardingRuleCmd",
        false,
    ),
    (
        "deletePortForwardingRule",
        "user.firewall.DeletePortForwardingRuleCmd",
        false,
    ),
    ("createFirewallRule", "user.firewall.CreateFirewallRuleCmd", false),
    ("deleteFirewallRule", "user.firewall.DeleteFirewallRuleCmd", false),
    (
        "createEgressFirewallRule",
        "user.firewall.CreateEgressFirewallRuleCmd",
        false,
    ),
    (
        "deleteEgressFirewallRule",
        "user.firewall.DeleteEgressFirewallRuleCmd",
        false,
    ),
    (
        "createLoadBalancerRule",
        "user.loadbalancer.CreateLoadBalancerRuleCmd",
        false,
    ),
    (
        "deleteLoadBalancerRule",
        "user.loadbalancer.DeleteLoadBalancerRuleCmd",
        false,
    ),
    (
        "assignToLoadBalancerRule",
        "user.loadbalancer.AssignToLoadBalancerRuleCmd",
        false,
    ),
    ("createVPC", "user.vpc.CreateVPCCmd", false),
    ("deleteVPC", "user.vpc.DeleteVPCCmd", false),
    ("createSnapshot", "user.snapshot.CreateSnapshotCmd", false),
    ("deleteSnapshot", "user.snapshot.DeleteSnapshotCmd", false),
    ("createVMSnapshot", "user.vmsnapshot.CreateVMSnapshotCmd", false),
    ("deleteVMSnapshot", "user.vmsnapshot.DeleteVMSnapshotCmd", false),
    (
        "createAffinityGroup",
        "user.affinitygroup.CreateAffinityGroupCmd",
        false,
    ),
    (
        "deleteAffinityGroup",
        "user.affinitygroup.DeleteAffinityGroupCmd",
        false,
    ),
];

/// The class name `cmd` carries for `api` called by a root admin (`admin`) or another account.
pub fn class_of(api: &str, admin: bool) -> String {
    match CLASSES.iter().find(|(name, _, _)| *name == api) {
        Some((_, class, by_admin)) if admin && *by_admin => {
            let simple = class.rsplit('.').next().unwrap_or(class);
            let package = class
                .strip_prefix("user.")
                .and_then(|rest| rest.rsplit_once('.'))
                .map_or("", |(p, _)| p);
            format!("{PREFIX}admin.{package}.{simple}ByAdmin")
        }
        Some((_, class, _)) => format!("{PREFIX}{class}"),
        None => {
            let (_, noun) = cloudstack_codegen::naming::split_verb(api);
            let mut name = api.to_string();
            if let Some(first) = name.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            format!("{PREFIX}user.{}.{name}Cmd", noun.to_ascii_lowercase())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::class_of;

    #[test]
    fn admin_callers_get_the_by_admin_class_where_one_exists() {
        assert_eq!(
            class_of("deployVirtualMachine", true),
            "org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin"
        );
        assert_eq!(
            class_of("deployVirtualMachine", false),
            "org.apache.cloudstack.api.command.user.vm.DeployVMCmd"
        );
        assert_eq!(
            class_of("createTags", true),
            "org.apache.cloudstack.api.command.user.tag.CreateTagsCmd"
        );
        assert_eq!(
            class_of("expungeVirtualMachine", true),
            "org.apache.cloudstack.api.command.admin.vm.ExpungeVMCmd"
        );
    }
}

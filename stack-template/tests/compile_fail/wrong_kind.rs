// securitygroupids takes security groups (the dump relates it to createSecurityGroup): an
// address's id is refused.
use cloudstack_api::v4_17::participants::{IpAddress, VirtualMachine};
use stack_template::typed::Typed;

fn main() {
    let ip = IpAddress::new("Ip");
    let _vm = VirtualMachine::new("Vm", "offering-id", "template-id", "zone-id").securitygroupids([ip.reference()]);
}

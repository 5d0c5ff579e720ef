// createSecurityGroup's response has no `address` attribute.
use cloudstack_api::v4_17::participants::SecurityGroup;

fn main() {
    let group = SecurityGroup::new("Web", "web");
    let _address = group.attr_address();
}

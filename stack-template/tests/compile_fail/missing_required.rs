// A VM without its zone: deployVirtualMachine requires zoneid, so `new` takes it.
use cloudstack_api::v4_17::participants::VirtualMachine;

fn main() {
    let _vm = VirtualMachine::new("Vm", "offering-id", "template-id");
}

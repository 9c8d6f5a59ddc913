mod bind;
mod windns_debug;

mod auditd;
mod bind;
mod ecs_process;
mod windns_debug;

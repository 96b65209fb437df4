// caduceus: the hospital-side agent and client CLI. See src/agent.
#include "agent/agent.h"

int main(int argc, char** argv) { return caduceus::agent::Main(argc, argv); }

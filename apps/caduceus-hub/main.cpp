// caduceus-hub: the Support Centre server and its admin commands. See src/hub.
#include "hub/hub.h"

int main(int argc, char** argv) { return caduceus::hub::Main(argc, argv); }

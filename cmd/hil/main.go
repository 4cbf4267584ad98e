// Command hil is the poshil hardware-in-the-loop harness for card-payment
// terminals: printer and acquirer emulators, a POS client, fault plans and
// the scenario suite. Run "hil help" for the commands.
package main

import "github.com/poshil/hil/internal/cli"

func main() { cli.Main() }

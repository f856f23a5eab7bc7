from sosdata.cli import main

main()

from budget_etl.cli.etl import main

main()
